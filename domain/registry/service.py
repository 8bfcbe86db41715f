"""Registry: the licence item catalogue, units, enterprises, staff and their tokens."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import ClassVar
from uuid import UUID

from domain.registry.catalogue import CATALOGUE_ID, Catalogue, ItemTerms
from domain.registry.enterprise import Enterprise, EnterpriseProfile, enterprise_id
from domain.registry.staff import Staff, staff_id
from domain.registry.token import Token, new_token_secret, token_id_for
from domain.registry.unit import Unit, unit_id
from domain.shared.audit import Audit, Role, require_actor
from domain.shared.command import CaseType
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import lineage
from domain.shared.service import CommandResult, ContextService, command


def shipped_catalogue() -> list[ItemTerms]:
    """The catalogue items shipped with the package (loaded on first start)."""
    text = (
        resources.files("domain.registry")
        .joinpath("data/catalogue.json")
        .read_text("utf-8")
    )
    return [ItemTerms.model_validate(entry) for entry in json.loads(text)]


ADMIN = frozenset({Role.ADMIN})


def _named(code: str, terms: ItemTerms, what: str) -> ItemTerms:
    """The terms of the item the route names (its code is in the path)."""
    if terms.code != code:
        raise InvalidInputError(
            f"the terms' code must match the item {what}", field="terms"
        )
    return terms


class Registry(ContextService):
    name = "registry"
    snapshotting_intervals: ClassVar = {Catalogue: 20}
    # Read by every request (who is asking, the item applied for) and rarely
    # changed: cached, and checked against this log's head in the request's
    # own round trip (domain/shared/store.py). The accessors below look; what
    # is changed is loaded afresh (`find`, `load`).
    cached_kinds: ClassVar = (Catalogue, Enterprise, Staff, Token, Unit)
    # The catalogue is no unit's: an admin of any unit keeps it.
    cases: ClassVar = (CaseType(Catalogue, "catalogue"),)
    # The directory's upkeep (from the CLI), which is not a declared command.
    rights: ClassVar = {
        "manage_staff": frozenset({Role.ADMIN}),
        "manage_enterprises": frozenset({Role.ADMIN, Role.CLERK}),
    }

    # -- catalogue --------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        catalogue = self.lookup(Catalogue, CATALOGUE_ID)
        if catalogue is None:
            raise NotFoundError("the licence item catalogue has not been loaded")
        return catalogue

    def get_item(self, code: str) -> ItemTerms:
        return self.catalogue().get(code)

    def load_catalogue(self, items: list[ItemTerms], audit: Audit) -> int:
        """Publish shipped items not yet in the catalogue, and apply a shipped
        correction to items no person has revised or withdrawn (an admin's own
        change is never overwritten). Returns how many items changed."""
        catalogue = self.find(Catalogue, CATALOGUE_ID) or Catalogue.open(audit)
        changed = 0
        for item in items:
            if (
                item.code not in catalogue.items
                and item.code not in catalogue.withdrawn
            ):
                catalogue.publish(item, audit)
            elif (
                item.code in catalogue.items
                and item.code not in catalogue.revised_by_staff
                and catalogue.items[item.code] != item
            ):
                catalogue.revise(item, audit.because("随软件发布的事项目录更新"))
            else:
                continue
            changed += 1
        self.save(catalogue)
        return changed

    # Catalogue changes honour If-Match: two admins must not overwrite each
    # other's revision unknowingly. Its id is CATALOGUE_ID; the item is named.

    @command(
        ADMIN,
        summary="Publish a new item in the catalogue (admin)",
        route="publish",
        body="PublicationBody",
        decision=True,
    )
    def publish_item(
        self, catalogue: Catalogue, audit: Audit, code: str, terms: ItemTerms
    ) -> None:
        """An item the bureau adds (行政许可法 Art. 30: its terms are displayed
        from now on), in the category of the bureau's own grouping; a withdrawn
        item's code may be published again."""
        catalogue.publish(_named(code, terms, "published"), audit)

    @command(
        ADMIN,
        summary="Revise an item's published terms (admin)",
        route="revise",
        body="RevisionBody",
        decision=True,
    )
    def revise_item(
        self, catalogue: Catalogue, audit: Audit, code: str, terms: ItemTerms
    ) -> None:
        catalogue.revise(_named(code, terms, "revised"), audit)

    @command(
        ADMIN,
        summary="Withdraw an item from the catalogue (admin)",
        route="withdraw",
        body="Decision",
        decision=True,
    )
    def withdraw_item(self, catalogue: Catalogue, audit: Audit, code: str) -> None:
        catalogue.withdraw(code, audit)

    # -- units and enterprises --------------------------------------------------

    def establish_unit(self, code: str, name: str, audit: Audit) -> CommandResult:
        if self.find(Unit, unit_id(code)) is not None:
            raise IllegalTransitionError(f"unit {code} already exists")
        return self.commit(Unit.establish(code, name, audit))

    def get_unit(self, code: str) -> Unit | None:
        return self.lookup(Unit, unit_id(code))

    def register_enterprise(
        self, profile: EnterpriseProfile, audit: Audit
    ) -> CommandResult:
        self.authorise("manage_enterprises", audit, profile.region_code)
        if self.find(Enterprise, enterprise_id(profile.uscc)) is not None:
            raise IllegalTransitionError(
                f"enterprise {profile.uscc} is already registered"
            )
        return self.commit(Enterprise.register(profile, audit))

    def get_enterprise(self, uscc: str) -> Enterprise | None:
        return self.lookup(Enterprise, enterprise_id(uscc))

    def flag_credit(self, uscc: str, flag: str, audit: Audit) -> CommandResult:
        enterprise = self._enterprise(uscc)
        self.authorise("manage_enterprises", audit, enterprise.profile.region_code)
        enterprise.flag_credit(flag, audit)
        return self.commit(enterprise)

    def restore_credit(self, uscc: str, flag: str, audit: Audit) -> CommandResult:
        enterprise = self._enterprise(uscc)
        self.authorise("manage_enterprises", audit, enterprise.profile.region_code)
        enterprise.restore_credit(flag, audit)
        return self.commit(enterprise)

    # -- directed data from the credit system (定向推送数据) -------------------------
    # One row at a time, each row's changes saved at once; a row that changes
    # nothing saves nothing (an import run twice records nothing new). Each
    # returns what it did (registered, renamed, distributed, listed, removed)
    # and the log position it was saved at.

    def responsible_unit(self, region_code: str) -> Unit:
        """The unit whose region covers the place: the county's, else the
        city's, else the province's (whichever the bureau has)."""
        for code in lineage(region_code):
            unit = self.lookup(Unit, unit_id(code))
            if unit is not None:
                return unit
        raise NotFoundError(f"no unit of the bureau covers region {region_code}")

    def receive_registration(
        self,
        profile: EnterpriseProfile,
        audit: Audit,
    ) -> tuple[tuple[str, ...], int]:
        """新设立登记: the enterprise enters the directory (or takes the
        registered name) and is distributed to the unit responsible."""
        unit = self.responsible_unit(profile.region_code)
        audit = self.authorise("manage_enterprises", audit, profile.region_code)
        enterprise = self.find(Enterprise, enterprise_id(profile.uscc))
        done: list[str] = []
        if enterprise is None:
            enterprise = Enterprise.register(profile, audit)
            done.append("registered")
        elif enterprise.name != profile.name:
            enterprise.rename(profile.name, audit)
            done.append("renamed")
        if enterprise.responsible_unit is None:
            enterprise.distribute(unit.code, audit)
            done.append(f"distributed:{unit.code}")
        return self._saved(enterprise, done)

    def receive_listing(
        self,
        profile: EnterpriseProfile,
        flag: str,
        listed_on: date,
        authority: str,
        audit: Audit,
        removal: tuple[date, str, str] | None = None,
    ) -> tuple[tuple[str, ...], int]:
        """列入 (and, with `removal` = (移出日期, 移出原因, 移出决定机关), 移出)
        of a credit list. The listing's reason is the audit's. A firm not yet
        in the directory enters it with the row's name and region."""
        enterprise = self.find(Enterprise, enterprise_id(profile.uscc))
        region = enterprise.profile.region_code if enterprise else profile.region_code
        self.responsible_unit(region)  # not a firm of ours otherwise
        audit = self.authorise("manage_enterprises", audit, region)
        done: list[str] = []
        if enterprise is None:
            enterprise = Enterprise.register(profile, audit)
            done.append("registered")
        state = enterprise.listing_state(flag, listed_on)
        if state is None:
            enterprise.enter_listing(flag, listed_on, authority, audit)
            done.append("listed")
            state = "open"
        if removal is not None and state == "open":
            removed_on, reason, removed_by = removal
            enterprise.end_listing(
                flag, listed_on, removed_on, removed_by, audit.because(reason)
            )
            done.append("removed")
        return self._saved(enterprise, done)

    def _saved(
        self, enterprise: Aggregate, done: list[str]
    ) -> tuple[tuple[str, ...], int]:
        """What was done, and the registry log's position it was saved at (0:
        nothing to save)."""
        if not done:
            return (), 0
        recordings = self.save(enterprise)
        return tuple(done), max(r.notification.id for r in recordings)

    def _enterprise(self, uscc: str) -> Enterprise:
        enterprise = self.find(Enterprise, enterprise_id(uscc))
        if enterprise is None:
            raise NotFoundError(f"enterprise {uscc} is not in the directory")
        return enterprise

    # -- staff and tokens -------------------------------------------------------

    def enrol_staff(
        self,
        staff_no: str,
        name: str,
        unit_code: str,
        roles: frozenset[Role],
        audit: Audit,
    ) -> CommandResult:
        self.authorise("manage_staff", audit, unit_code)
        if self.find(Staff, staff_id(staff_no)) is not None:
            raise IllegalTransitionError(f"staff number {staff_no} is already enrolled")
        return self.commit(Staff.enrol(staff_no, name, unit_code, roles, audit))

    def change_roles(
        self, staff_no: str, roles: frozenset[Role], audit: Audit
    ) -> CommandResult:
        """An admin changes what a member of staff may do (a right such as
        personal_data is granted this way); takes effect on their next request."""
        staff = self.load(Staff, staff_id(staff_no), "staff")
        self.authorise("manage_staff", audit, staff.unit_code)
        staff.change_roles(roles, audit)
        return self.commit(staff)

    def get_staff(self, staff_no: str) -> Staff:
        return self._staff(self.lookup(Staff, staff_id(staff_no)), staff_no)

    @staticmethod
    def _staff(staff: Staff | None, staff_no: str) -> Staff:
        if staff is None:
            raise NotFoundError(f"no staff member with number {staff_no}")
        return staff

    def issue_token(self, staff_no: str, label: str, audit: Audit) -> tuple[str, UUID]:
        """A new bearer token: the secret is returned once and never stored."""
        require_actor(audit)
        staff = self._staff(self.find(Staff, staff_id(staff_no)), staff_no)
        self.authorise("manage_staff", audit, staff.unit_code)
        secret = new_token_secret()
        token = Token.issue(secret, staff.id, label, audit)
        staff.grant_token(token.id, label, audit)
        self.save(
            staff, token
        )  # atomic: the grant and the token stand or fall together
        return secret, token.id

    def revoke_token(self, token_id: UUID, audit: Audit) -> CommandResult:
        token = self.find(Token, token_id)
        if token is None:
            raise NotFoundError(f"token {token_id} not found")
        staff = self.load(Staff, token.staff_id, "staff")
        self.authorise("manage_staff", audit, staff.unit_code)
        token.revoke(audit)
        staff.revoke_token(token.id, audit)
        return self.commit(token, staff)

    def authenticate(self, secret: str) -> Staff | None:
        """The active staff member a token belongs to, or None (never says why)."""
        token = self.lookup(Token, token_id_for(secret))
        if token is None or token.revoked:
            return None
        staff = self.lookup(Staff, token.staff_id)
        if staff is None or not staff.active or token.id not in staff.token_ids:
            return None
        return staff
