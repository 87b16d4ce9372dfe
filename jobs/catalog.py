"""Every job the configuration defines, as (key, schedule, work): what the daemon schedules and
what `omshub jobs run` runs, through the same runner."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from config.channels import JobConfig
from config.providers import Role
from config.settings import Config
from connectors.base import Connector, OrderSource
from core import bookmarks, cancellations, capture_gate, fulfillment, payments
from core.cancellations import FULFILLMENT_CANCEL
from core.clock import Clock, SystemClock
from core.errors import FatalError
from core.fulfillment import FULFILLMENT_REQUESTED
from core.outbox import OutboxRetry, OutboxStatus
from core.payment_failures import PAYMENT_FAILED
from core.payments import PAYMENT_OPERATION, PaymentPolicy
from core.returns import FULFILLMENT_RETURN
from core.routing import Router, Rule
from core.runs import Trigger
from core.shipments import SHIPMENT_CREATED
from core.stock_source import StockSource
from core.store.schema import outbox
from core.tracking import CheckPolicy
from jobs.dispatch import Handler, dispatch
from jobs.fulfillment import SHIPMENTS, cancel_handler, pull_shipments, request_handler, return_handler
from jobs.payments import payment_failure_handler, payment_handler
from jobs.pull_orders import ORDERS, pull_orders
from jobs.push_inventory import push_inventory_work, verify_inventory_work
from jobs.reconcile import reconcile
from jobs.report_shipments import shipment_handler
from jobs.runner import Runner, RunReport, RunScope, Work
from jobs.stock_source import pull_stock
from jobs.tracking import check_tracking

PULL, PUSH, RECONCILE, VERIFY, DISPATCH = "pull-orders", "push-inventory", "reconcile", "verify-inventory", "dispatch"
SHIPMENTS_JOB = "pull-shipments"
STOCK_JOB = "pull-stock"
CHECK_TRACKING = "check-tracking"
CHANNEL_JOBS = (PULL, PUSH, RECONCILE, VERIFY)
HUB = ""
"""The channel slot of hub-wide jobs."""


@dataclass(frozen=True)
class JobDef:
    key: tuple[str, str]
    schedule: JobConfig
    work: Work
    bookmark: Callable[[], str | None]
    shared: bool = False
    """Runs in several processes at once, without the (job, channel) lease (it claims its items one by one)."""

    def run(self, runner: Runner, *, trigger: Trigger, dry_run: bool = False) -> RunReport:
        """Through the runner: holding the lease, or alongside other processes for a shared job."""
        start = runner.run_shared if self.shared else runner.run
        return start(
            self.key,
            self.work,
            trigger=trigger,
            deadline=self.schedule.deadline,
            bookmark=self.bookmark(),
            dry_run=dry_run,
        )

    @property
    def id(self) -> str:
        return f"{self.key[0]}:{self.key[1]}" if self.key[1] else self.key[0]


class Catalog:
    def __init__(
        self,
        config: Config,
        engine: Engine,
        connectors: Mapping[str, Connector],
        handlers: Mapping[str, Handler] | None = None,
        *,
        providers: Mapping[str, Connector] | None = None,
        clock: Clock = SystemClock(),
    ) -> None:
        self.config, self.engine, self.connectors = config, engine, connectors
        self.providers = providers or {}
        self.router = Router(
            config.routing.fulfillment,
            [Rule(r.provider, r.location, r.country, r.sku_prefix) for r in config.routing.rules],
        )
        self.policies = self._payment_policies()
        self.handlers = {
            SHIPMENT_CREATED: shipment_handler(connectors, engine, clock),
            FULFILLMENT_REQUESTED: request_handler(self.providers, engine, clock),
            PAYMENT_OPERATION: payment_handler(self.providers, engine, clock),
            FULFILLMENT_CANCEL: cancel_handler(self.providers, engine, clock),
            FULFILLMENT_RETURN: return_handler(self.providers, engine, clock),
            PAYMENT_FAILED: payment_failure_handler(connectors),
            **(handlers or {}),
        }

    def all(self) -> list[JobDef]:
        """Every job that can run: each connected channel's jobs, each fulfillment provider's pull-shipments (and
        pull-stock, when it is the source of truth for stock), and dispatch."""
        defs = [self.get(DISPATCH, None), self.get(CHECK_TRACKING, None)]
        for name, channel in self.config.channels.items():
            if channel.type is not None:
                defs += [self.get(job, name) for job in CHANNEL_JOBS if self._supports(job, name)]
        defs += [self.get(SHIPMENTS_JOB, name) for name in self._fulfillers()]
        defs += [self.get(STOCK_JOB, name) for name in self._stock_sources()]
        return defs

    def get(self, job: str, channel: str | None) -> JobDef:
        if job == SHIPMENTS_JOB:
            return self._shipments_job(channel)
        if job == STOCK_JOB:
            return self._stock_job(channel)
        if job == CHECK_TRACKING:
            return self._tracking_job(channel)
        if job == DISPATCH:
            if channel:
                raise FatalError("dispatch serves every channel; run it without --channel")
            cfg = self.config.jobs.dispatch
            retry = OutboxRetry(max_attempts=cfg.max_attempts, base_delay=cfg.retry_delay)
            return JobDef((DISPATCH, HUB), cfg, self._dispatch_work(cfg.batch, retry), lambda: None, shared=True)
        if job not in CHANNEL_JOBS:
            known = ", ".join((*CHANNEL_JOBS, SHIPMENTS_JOB, STOCK_JOB, CHECK_TRACKING, DISPATCH))
            raise FatalError(f"unknown job {job!r}; the jobs are {known}")
        if not channel:
            raise FatalError(f"{job} runs per channel; add --channel NAME")
        if channel not in self.config.channels:
            raise FatalError(f"channel {channel!r} is not configured; add [channels.{channel}] to the config file")
        if not self._supports(job, channel):
            raise FatalError(f"channel {channel!r} has no connector that can {job}; set its type and base_url")
        return self._channel_job(job, channel)

    def source(self, channel: str) -> OrderSource:
        """The channel's order source (for backfills), with the same checks as `get`."""
        self.get(PULL, channel)
        return _orders(self.connectors[channel])

    def _supports(self, job: str, channel: str) -> bool:
        connector = self.connectors.get(channel)
        if connector is None:
            return False
        return connector.stock is not None if job in (PUSH, VERIFY) else connector.orders is not None

    def _channel_job(self, job: str, channel: str) -> JobDef:
        jobs = self.config.channels[channel].jobs
        connector = self.connectors[channel]
        if job == PULL:
            cfg = jobs.pull_orders
            source = _orders(connector)

            def work(scope: RunScope) -> None:
                pull_orders(scope, source, overlap=cfg.overlap, safety_lag=cfg.safety_lag)

            start = cfg.start.isoformat() if cfg.start else None
            return JobDef((job, channel), cfg, work, lambda: self._bookmark(channel, ORDERS) or start)
        if job == RECONCILE:
            window, source = jobs.reconcile.window, _orders(connector)
            return JobDef((job, channel), jobs.reconcile, lambda s: reconcile(s, source, window=window), lambda: None)
        if job == VERIFY:
            return JobDef((job, channel), jobs.verify_inventory, verify_inventory_work(self, channel), lambda: None)
        return JobDef((job, channel), jobs.push_inventory, push_inventory_work(self, channel), lambda: None)

    def _tracking_job(self, channel: str | None) -> JobDef:
        if channel:
            raise FatalError("check-tracking serves every channel; run it without --channel")
        cfg = self.config.jobs.check_tracking
        policy = CheckPolicy(max_checks=cfg.checks, interval=cfg.interval)
        return JobDef(
            (CHECK_TRACKING, HUB), cfg, lambda scope: check_tracking(scope, self.connectors, policy), lambda: None
        )

    def _stock_sources(self) -> list[str]:
        return [name for name in self._fulfillers() if self.config.providers[name].stock_source]

    def _stock_job(self, provider: str | None) -> JobDef:
        if not provider or provider not in self._stock_sources():
            known = ", ".join(self._stock_sources()) or "none has options.stock_source = true"
            raise FatalError(
                f"pull-stock runs per provider that is the source of truth for stock; add --channel PROVIDER ({known})"
            )
        source = getattr(self.providers[provider], "stock_source", None)
        if not isinstance(source, StockSource):
            raise FatalError(
                f"provider {provider!r}: its connector cannot read stock levels; remove options.stock_source"
            )
        cfg = self.config.providers[provider].jobs.pull_stock
        stock: StockSource = source

        def work(scope: RunScope) -> None:
            pull_stock(scope, provider, stock)

        return JobDef((STOCK_JOB, provider), cfg, work, lambda: None)

    def _payment_policies(self) -> dict[str, PaymentPolicy]:
        """Each channel whose money the hub settles: its capture policy, and whether its processor can capture
        more than once."""
        policies = {}
        for name, channel in self.config.channels.items():
            if channel.payments is None:
                continue
            connector = self.providers.get(channel.payments.processor)
            processor = connector.payments if connector is not None else None
            multiple = processor is not None and processor.capabilities.multiple_captures
            cfg = channel.payments
            capturable = frozenset(cfg.capturable_statuses) if cfg.capturable_statuses is not None else None
            policies[name] = PaymentPolicy(
                cfg.processor, cfg.capture, cfg.single_capture_at, multiple, capturable_statuses=capturable
            )
        return policies

    def _fulfillers(self) -> list[str]:
        return [name for name, p in self.config.providers.items() if p.role is Role.fulfillment]

    def _shipments_job(self, provider: str | None) -> JobDef:
        if not provider or provider not in self._fulfillers():
            known = ", ".join(self._fulfillers()) or "none configured"
            raise FatalError(f"pull-shipments runs per fulfillment provider; add --channel PROVIDER ({known})")
        cfg = self.config.providers[provider].jobs.pull_shipments
        source = self.providers[provider].fulfillment
        assert source is not None

        captures = self.policies

        def work(scope: RunScope) -> None:
            pull_shipments(scope, provider, source, captures)

        return JobDef((SHIPMENTS_JOB, provider), cfg, work, lambda: self._bookmark(provider, SHIPMENTS))

    def _dispatch_work(self, batch: int, retry: OutboxRetry) -> Work:
        def work(scope: RunScope) -> None:
            if scope.dry_run:
                with scope.engine.connect() as conn:
                    due = select(func.count()).where(outbox.c.status == OutboxStatus.pending.value)
                    scope.counts.fetched = int(conn.execute(due).scalar_one())
                return
            while True:  # orders that became releasable get their fulfillment requests, a slice at a time
                with scope.engine.begin() as conn:
                    cancellations.cancel_released(conn, scope.clock.now())
                    payments.settle_canceled(conn, self.policies, scope.clock.now())
                    payments.capture_on_placement(conn, self.policies, scope.clock.now())
                    capture_gate.capture_waiting(conn, self.policies, scope.clock.now())
                    payments.inspect_authorizations(conn, self.policies, scope.clock.now())
                    released = fulfillment.release(conn, self.router, scope.clock.now())
                scope.counts.created += released
                dispatch(scope, self.handlers, batch=batch, policy=retry)
                if not released:
                    return

        return work

    def _bookmark(self, channel: str, stream: str) -> str | None:
        with self.engine.connect() as conn:
            return bookmarks.load(conn, channel, stream)


def _orders(connector: Connector) -> OrderSource:
    if connector.orders is None:
        raise FatalError("this connector cannot read orders")
    return connector.orders
