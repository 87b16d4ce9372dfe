"""`[providers.NAME]`: a fulfillment provider (3PL/ERP) or payment processor, and `[routing]`: which provider
fulfills what. Onboarding a provider is adding an entry, like a channel."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from config.channels import JobConfig, Section
from config.types import Duration, EnvSecret


class Role(StrEnum):
    fulfillment = "fulfillment"
    payment = "payment"


STOCK_SOURCE = "stock_source"
"""The connector option that makes a fulfillment provider the hub's source of truth for stock."""


class PullShipmentsJob(JobConfig):
    pass


class PullStockJob(JobConfig):
    """Set the hub's stocked quantities from the provider's (only with options.stock_source = true)."""


class ProviderJobs(Section):
    pull_shipments: PullShipmentsJob = Field(default_factory=PullShipmentsJob, alias="pull-shipments")
    pull_stock: PullStockJob = Field(default_factory=PullStockJob, alias="pull-stock")


class ProviderConfig(Section):
    type: str = Field(description="connector type, e.g. 'brightpearl' or 'stripe'")
    role: Role
    base_url: str
    credentials: dict[str, EnvSecret] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict, description="connector settings, checked by the connector")
    location_ids: dict[str, str] = Field(
        default_factory=dict, description="hub location code → the provider's warehouse id (fulfillment)"
    )
    jobs: ProviderJobs = Field(default_factory=ProviderJobs)
    acknowledge_within: Duration = Field(
        default=timedelta(hours=2),
        description="a fulfillment request not accepted this long after release counts in `omshub status`",
    )

    @property
    def stock_source(self) -> bool:
        """The provider's warehouses are the hub's truth for the stock of the locations in location_ids."""
        return self.options.get(STOCK_SOURCE) is True

    @model_validator(mode="after")
    def _pull_stock_needs_the_mode(self) -> ProviderConfig:
        if not self.jobs.pull_stock.scheduled:
            return self
        if self.role is not Role.fulfillment:
            raise ValueError("jobs.pull-stock is for fulfillment providers; remove it from this provider")
        if not self.stock_source:
            raise ValueError(
                f"jobs.pull-stock is scheduled but options.{STOCK_SOURCE} is not true; set options.{STOCK_SOURCE} ="
                " true to make this provider the source of truth for stock, or remove jobs.pull-stock"
            )
        return self


class RoutingRule(Section):
    """Send to `provider` what matches every condition given (first matching rule wins)."""

    provider: str
    location: str | None = None
    country: str | None = Field(default=None, description="destination country, ISO 3166-1 alpha-2")
    sku_prefix: str | None = None

    @model_validator(mode="after")
    def _some_condition(self) -> RoutingRule:
        if self.location is None and self.country is None and self.sku_prefix is None:
            raise ValueError("a rule needs location, country or sku_prefix; for a default use [routing] fulfillment")
        return self


class RoutingConfig(Section):
    fulfillment: dict[str, str] = Field(
        default_factory=dict, description="hub location code → the provider that ships from it"
    )
    rules: list[RoutingRule] = Field(default_factory=list, description="checked in order before `fulfillment`")
