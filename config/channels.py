"""`[channels.NAME]`: a sales channel, its connector, stock locations and jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from config.types import Duration, EnvSecret
from core.allocation import ShortagePolicy, Strategy
from core.non_stock import pattern_problem
from core.publish import PublishPlan, PublishRule


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class JobConfig(Section):
    """When a job runs: `every = "5m"` or `cron = "*/5 * * * *"` (in the hub's time zone); neither
    means it only runs by hand. `deadline` bounds one run."""

    every: Duration | None = None
    cron: str | None = None
    enabled: bool = True
    deadline: Duration = timedelta(minutes=10)

    @model_validator(mode="after")
    def _one_trigger(self) -> JobConfig:
        if self.every is not None and self.cron is not None:
            raise ValueError('give one of every = "5m" or cron = "*/5 * * * *", not both')
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError('every must be a positive duration such as "5m"')
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron {self.cron!r} needs five fields: minute hour day month weekday")
        return self

    @property
    def scheduled(self) -> bool:
        return self.enabled and (self.every is not None or self.cron is not None)


class PullOrdersJob(JobConfig):
    overlap: Duration = Field(default=timedelta(minutes=5), description="re-read this much before the bookmark")
    safety_lag: Duration = Field(default=timedelta(seconds=0), description="never read closer to now than this")
    start: AwareDatetime | None = Field(default=None, description="first bookmark; default: the first run's start")


class PushInventoryJob(JobConfig):
    buffer: int = Field(default=0, ge=0, description="units held back from the channel (safety stock)")
    share: int = Field(default=100, ge=0, le=100, description="percent of the rest offered, rounded down")
    maximum: int | None = Field(default=None, ge=0, description="never publish more than this")
    count: list[str] | None = Field(
        default=None, description="locations whose stock counts (default: all of the channel's locations)"
    )
    pooled_at: str | None = Field(
        default=None,
        description="publish one value per SKU (the rule over the sum of the counted locations) at this location;"
        " default: each location its own (channels without location_ids are always pooled)",
    )

    @property
    def rule(self) -> PublishRule:
        return PublishRule(buffer=self.buffer, share=self.share, maximum=self.maximum)


class ReconcileJob(JobConfig):
    window: Duration = Field(default=timedelta(days=1), description="re-pull orders changed this far back")


class ChannelJobs(Section):
    pull_orders: PullOrdersJob = Field(default_factory=PullOrdersJob, alias="pull-orders")
    push_inventory: PushInventoryJob = Field(default_factory=PushInventoryJob, alias="push-inventory")
    reconcile: ReconcileJob = Field(default_factory=ReconcileJob)
    verify_inventory: JobConfig = Field(default_factory=JobConfig, alias="verify-inventory")


class ChannelPayments(Section):
    """How the hub takes the money of this channel's orders (orders that carry a payment reference)."""

    processor: str = Field(description="a [providers] entry with role payment")
    capture: Literal["on_placement", "on_shipment", "manual"] = Field(
        default="on_shipment",
        description="capture as soon as the order is authorized, for what ships when it ships, or leave it to people",
    )
    single_capture_at: Literal["first_shipment", "last_shipment"] = Field(
        default="last_shipment",
        description="one capture per order (processors without multiple captures): at the first or the last shipment",
    )
    authorization_days: int = Field(
        default=7,
        ge=1,
        description="how long an uncaptured authorization lasts when the processor does not say (Stripe cards: 7)",
    )
    expiry_warning_hours: int = Field(
        default=24, ge=1, description="`omshub status` counts orders whose authorization lapses within this time"
    )
    capturable_statuses: list[str] | None = Field(
        default=None,
        description="the channel's own order statuses in which a capture may be asked (e.g. WooCommerce"
        " ['processing']); a capture due in another status waits until the order reaches one; default: any",
    )

    @field_validator("capturable_statuses")
    @classmethod
    def _some_statuses(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an empty list would never let a capture happen; name statuses, or leave it out for any")
        blank = [i for i, status in enumerate(value) if not status.strip()]
        if blank:
            raise ValueError(f"entries {blank} are empty; name the channel's statuses, e.g. 'processing'")
        return value


class ChannelConfig(Section):
    type: str | None = Field(default=None, description="connector type, e.g. 'shopify'; none for import-only")
    base_url: str | None = None
    credentials: dict[str, EnvSecret] = Field(default_factory=dict)
    webhook_secret: EnvSecret | None = Field(
        default=None, description="the key the channel signs its webhooks with; none: POST /webhooks/NAME is refused"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="connector settings, checked by the connector")
    locations: list[str] = Field(min_length=1, description="stock location codes, highest priority first")
    location_ids: dict[str, str] = Field(default_factory=dict, description="hub location code → the channel's id")
    allocation: Strategy = Strategy.priority
    shortage_policy: ShortagePolicy = ShortagePolicy.hold
    allow_split: bool = True
    non_stock_skus: list[str] = Field(
        default_factory=list,
        description="SKUs that hold no stock (gift wrap, insurance): a SKU, or a prefix ending in * such as"
        " 'INSURANCE-*'; such lines are never reserved nor sent to a warehouse, and do not hold up 'shipped'",
    )
    payments: ChannelPayments | None = None
    jobs: ChannelJobs = Field(default_factory=ChannelJobs)

    @field_validator("non_stock_skus")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        problems = [f"[{i}] {problem}" for i, pattern in enumerate(value) if (problem := pattern_problem(pattern))]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _connector_needs_url(self) -> ChannelConfig:
        if self.type is not None and not self.base_url:
            raise ValueError(f"a channel of type {self.type!r} needs base_url")
        jobs = (self.jobs.pull_orders, self.jobs.push_inventory, self.jobs.reconcile, self.jobs.verify_inventory)
        if self.type is None and any(job.scheduled for job in jobs):
            raise ValueError("scheduled jobs need a connector: set type (e.g. 'shopify') and base_url")
        unknown = sorted(set(self.location_ids) - set(self.locations))
        if unknown:
            raise ValueError(f"location_ids names {unknown}, which are not in this channel's locations")
        push = self.jobs.push_inventory
        stray = sorted(set(push.count or []) - set(self.locations))
        if stray:
            raise ValueError(f"jobs.push-inventory.count names {stray}, which are not in this channel's locations")
        if push.pooled_at is not None and push.pooled_at not in self.location_ids:
            raise ValueError(
                f"jobs.push-inventory.pooled_at = {push.pooled_at!r} has no entry in location_ids; name one of"
                f" {sorted(self.location_ids)} (or leave location_ids out for a channel without locations)"
            )
        return self

    @property
    def publish_plan(self) -> PublishPlan:
        push = self.jobs.push_inventory
        counted = push.count or self.locations
        if not self.location_ids:
            return PublishPlan.pooled(counted)
        if push.pooled_at is not None:
            return PublishPlan.pooled(counted, push.pooled_at)
        return PublishPlan.per_location(counted, list(self.location_ids))
