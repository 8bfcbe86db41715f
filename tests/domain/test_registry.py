"""Registry: the item catalogue, item terms, enterprises, staff, units and tokens."""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import ValidationError

from domain.registry.catalogue import (
    CATALOGUE_ID,
    ApprovalMode,
    Catalogue,
    ItemTerms,
)
from domain.registry.enterprise import Enterprise, EnterpriseProfile, enterprise_id
from domain.registry.service import Registry, shipped_catalogue
from domain.registry.staff import Staff, staff_id
from domain.registry.token import TOKEN_PREFIX, Token, token_id_for
from domain.registry.unit import Unit, unit_id
from domain.shared.audit import Role
from domain.shared.errors import (
    AuditContractError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.domain.conftest import (
    ADMIN,
    APPLICANT_USCC,
    BOOTSTRAP,
    PLAIN_ITEM,
    POPO,
    SPOT_ITEM,
    all_notifications,
    item,
    item_with,
    settled,
    staff_audit,
    stored_states,
)

ADMIN_NO_REASON = staff_audit(Role.ADMIN)


def catalogue_with(*codes: str) -> Catalogue:
    catalogue = Catalogue.open(BOOTSTRAP)
    for code in codes:
        catalogue.publish(item(code), BOOTSTRAP)
    return settled(catalogue)


def profile(**changes: object) -> EnterpriseProfile:
    fields: dict[str, object] = {
        "uscc": APPLICANT_USCC,
        "name": "连云港市海州区示例计量器具有限公司",
        "region_code": "320803",
    }
    return EnterpriseProfile.model_validate(fields | changes)


def enterprise() -> Enterprise:
    return settled(Enterprise.register(profile(), BOOTSTRAP))


def staff(**changes: object) -> Staff:
    args: dict[str, object] = {
        "staff_no": "S-001",
        "name": "赵六",
        "unit_code": "320803",
        "roles": frozenset({Role.CLERK}),
        "audit": BOOTSTRAP,
    }
    return settled(Staff.enrol(**(args | changes)))  # type: ignore[arg-type]


@pytest.fixture
def empty_registry() -> Registry:
    """A registry with nothing loaded (the shared `registry` has the catalogue)."""
    return Registry(env=POPO)


# -- catalogue ----------------------------------------------------------------------


def test_catalogue_is_a_single_aggregate_with_a_fixed_id() -> None:
    catalogue = Catalogue.open(BOOTSTRAP)
    [event] = catalogue.collect_events()
    assert isinstance(event, Catalogue.Opened)
    assert catalogue.id == CATALOGUE_ID


def test_published_item_is_recorded_with_its_terms() -> None:
    catalogue = catalogue_with()

    catalogue.publish(item(PLAIN_ITEM), BOOTSTRAP)

    [event] = catalogue.collect_events()
    assert isinstance(event, Catalogue.ItemPublished)
    assert event.terms == item(PLAIN_ITEM)
    assert catalogue.get(PLAIN_ITEM) == item(PLAIN_ITEM)


def test_publishing_an_item_twice_is_refused() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    with pytest.raises(IllegalTransitionError):
        catalogue.publish(item(PLAIN_ITEM), BOOTSTRAP)
    assert catalogue.collect_events() == []


def test_unknown_item_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        catalogue_with(PLAIN_ITEM).get("XK-NONE")


def test_revision_records_the_new_terms() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    revised = item_with(PLAIN_ITEM, promised_limit_wd=10)

    catalogue.revise(revised, ADMIN)

    [event] = catalogue.collect_events()
    assert isinstance(event, Catalogue.ItemRevised)
    assert event.terms == revised
    assert event.audit.reason == ADMIN.reason
    assert catalogue.get(PLAIN_ITEM).promised_limit_wd == 10


def test_revision_without_a_reason_is_refused() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    with pytest.raises(AuditContractError) as exc:
        catalogue.revise(item_with(PLAIN_ITEM, promised_limit_wd=10), ADMIN_NO_REASON)
    assert exc.value.rule == "DESIGN §3"
    assert catalogue.collect_events() == []


def test_revision_that_changes_nothing_is_refused() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    with pytest.raises(IllegalTransitionError):
        catalogue.revise(item(PLAIN_ITEM), ADMIN)
    assert catalogue.collect_events() == []


def test_revision_of_an_unpublished_item_is_refused() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    with pytest.raises(NotFoundError):
        catalogue.revise(item(SPOT_ITEM), ADMIN)
    assert catalogue.collect_events() == []


def test_withdrawn_item_leaves_the_catalogue_but_is_kept() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)

    catalogue.withdraw(PLAIN_ITEM, ADMIN)

    [event] = catalogue.collect_events()
    assert isinstance(event, Catalogue.ItemWithdrawn)
    assert event.code == PLAIN_ITEM
    assert PLAIN_ITEM not in catalogue.items
    assert catalogue.withdrawn[PLAIN_ITEM] == item(PLAIN_ITEM)
    with pytest.raises(NotFoundError):
        catalogue.get(PLAIN_ITEM)


def test_withdrawal_without_a_reason_is_refused() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    with pytest.raises(AuditContractError):
        catalogue.withdraw(PLAIN_ITEM, ADMIN_NO_REASON)
    assert catalogue.collect_events() == []


def test_withdrawn_item_may_be_published_again() -> None:
    catalogue = catalogue_with(PLAIN_ITEM)
    catalogue.withdraw(PLAIN_ITEM, ADMIN)
    settled(catalogue)

    catalogue.publish(item(PLAIN_ITEM), ADMIN)

    assert catalogue.get(PLAIN_ITEM) == item(PLAIN_ITEM)
    assert PLAIN_ITEM not in catalogue.withdrawn


def test_loading_the_shipped_catalogue_publishes_every_item(
    empty_registry: Registry,
) -> None:
    loaded = empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP)

    assert loaded == 7
    assert set(empty_registry.catalogue().items) == {
        t.code for t in shipped_catalogue()
    }


def test_loading_the_catalogue_again_changes_nothing(empty_registry: Registry) -> None:
    empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP)
    version = empty_registry.catalogue().version

    assert empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP) == 0
    assert empty_registry.catalogue().version == version


def test_loading_the_catalogue_keeps_revisions_and_withdrawals(
    empty_registry: Registry,
) -> None:
    empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP)
    empty_registry.revise_item(
        CATALOGUE_ID, ADMIN, PLAIN_ITEM, item_with(PLAIN_ITEM, promised_limit_wd=10)
    )
    empty_registry.withdraw_item(CATALOGUE_ID, ADMIN, SPOT_ITEM)

    assert empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP) == 0

    assert empty_registry.get_item(PLAIN_ITEM).promised_limit_wd == 10
    with pytest.raises(NotFoundError):
        empty_registry.get_item(SPOT_ITEM)


def test_catalogue_not_loaded_is_not_found(empty_registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        empty_registry.get_item(PLAIN_ITEM)


def test_only_an_admin_may_revise_the_catalogue(empty_registry: Registry) -> None:
    empty_registry.load_catalogue(shipped_catalogue(), BOOTSTRAP)
    version = empty_registry.catalogue().version
    with pytest.raises(PermissionDeniedError):
        empty_registry.revise_item(
            CATALOGUE_ID,
            staff_audit(Role.APPROVER, reason="调整"),
            PLAIN_ITEM,
            item_with(PLAIN_ITEM, promised_limit_wd=10),
        )
    assert empty_registry.catalogue().version == version


# -- item terms -------------------------------------------------------------------------


def test_every_shipped_item_is_valid_and_allows_the_standard_procedure() -> None:
    items = shipped_catalogue()
    assert len(items) == 7
    assert all(ApprovalMode.STANDARD in t.approval_modes for t in items)


def test_promised_limit_beyond_the_statutory_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="promised limit"):
        item_with(PLAIN_ITEM, statutory_limit_wd=20, promised_limit_wd=21)


def test_item_without_the_standard_procedure_is_refused() -> None:
    with pytest.raises(ValidationError, match="standard procedure"):
        item_with(PLAIN_ITEM, approval_modes=[ApprovalMode.NOTIFY_AND_COMMIT])


def test_item_needs_at_least_one_material() -> None:
    with pytest.raises(ValidationError):
        item_with(PLAIN_ITEM, materials=[])


def test_item_terms_name_their_materials_and_modes() -> None:
    terms: ItemTerms = item(SPOT_ITEM)
    installation = terms.material("安装告知书")
    assert installation is not None
    assert installation.deferrable is True
    assert terms.material("纳税证明") is None
    assert terms.allows(ApprovalMode.ON_THE_SPOT)
    assert not terms.allows(ApprovalMode.NOTIFY_AND_COMMIT)


# -- enterprises -------------------------------------------------------------------------


def test_registered_enterprise_is_identified_by_its_uscc() -> None:
    registered = Enterprise.register(profile(), BOOTSTRAP)

    [event] = registered.collect_events()
    assert isinstance(event, Enterprise.Registered)
    assert event.profile == profile()
    assert registered.id == enterprise_id(APPLICANT_USCC)
    assert registered.has_bad_credit is False


def test_credit_flag_closes_the_simplified_procedures() -> None:
    firm = enterprise()

    firm.flag_credit("serious_dishonesty", ADMIN)

    [event] = firm.collect_events()
    assert isinstance(event, Enterprise.CreditFlagged)
    assert event.flag == "serious_dishonesty"
    assert firm.has_bad_credit is True


def test_credit_flag_without_a_reason_is_refused() -> None:
    firm = enterprise()
    with pytest.raises(AuditContractError):
        firm.flag_credit("serious_dishonesty", ADMIN_NO_REASON)
    assert firm.collect_events() == []


def test_setting_a_credit_flag_twice_is_refused() -> None:
    firm = enterprise()
    firm.flag_credit("serious_dishonesty", ADMIN)
    settled(firm)
    with pytest.raises(IllegalTransitionError):
        firm.flag_credit("serious_dishonesty", ADMIN)
    assert firm.collect_events() == []


def test_credit_restoration_clears_the_flag() -> None:
    firm = enterprise()
    firm.flag_credit("serious_dishonesty", ADMIN)
    settled(firm)

    firm.restore_credit("serious_dishonesty", ADMIN)

    [event] = firm.collect_events()
    assert isinstance(event, Enterprise.CreditRestored)
    assert event.flag == "serious_dishonesty"
    assert firm.has_bad_credit is False


def test_restoring_a_flag_that_is_not_set_is_refused() -> None:
    firm = enterprise()
    with pytest.raises(IllegalTransitionError):
        firm.restore_credit("serious_dishonesty", ADMIN)
    assert firm.collect_events() == []


def test_renamed_enterprise_has_the_new_name() -> None:
    firm = enterprise()

    firm.rename("新名称有限公司", ADMIN)

    [event] = firm.collect_events()
    assert isinstance(event, Enterprise.Renamed)
    assert event.name == "新名称有限公司"
    assert firm.name == "新名称有限公司"


def test_renaming_to_the_same_name_is_refused() -> None:
    firm = enterprise()
    with pytest.raises(IllegalTransitionError):
        firm.rename(firm.name, ADMIN)
    assert firm.collect_events() == []


def test_registry_flags_credit_of_a_registered_enterprise(
    empty_registry: Registry,
) -> None:
    empty_registry.register_enterprise(profile(), BOOTSTRAP)

    empty_registry.flag_credit(APPLICANT_USCC, "false_commitment", ADMIN)

    found = empty_registry.get_enterprise(APPLICANT_USCC)
    assert found is not None
    assert found.has_bad_credit is True


def test_registering_an_enterprise_twice_is_refused(empty_registry: Registry) -> None:
    empty_registry.register_enterprise(profile(), BOOTSTRAP)
    with pytest.raises(IllegalTransitionError):
        empty_registry.register_enterprise(profile(name="另一名称"), BOOTSTRAP)


# -- staff --------------------------------------------------------------------------------


def test_enrolled_staff_has_a_normalised_unit_and_roles() -> None:
    member = Staff.enrol(
        " S-001 ", "赵六", "320800", frozenset({Role.CLERK, Role.REVIEWER}), BOOTSTRAP
    )

    [event] = member.collect_events()
    assert isinstance(event, Staff.Enrolled)
    assert event.staff_no == "S-001"
    assert event.name == "赵六"
    assert event.unit_code == "3208"
    assert event.roles == frozenset({Role.CLERK, Role.REVIEWER})
    assert member.id == staff_id("S-001")
    assert member.active is True


def test_staff_without_a_role_is_refused() -> None:
    with pytest.raises(InvalidInputError) as exc:
        Staff.enrol("S-001", "赵六", "320803", frozenset(), BOOTSTRAP)
    assert exc.value.field == "roles"


def test_staff_without_a_name_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        Staff.enrol("S-001", " ", "320803", frozenset({Role.CLERK}), BOOTSTRAP)


def test_staff_acts_with_its_unit() -> None:
    actor = staff().actor(Role.CLERK)
    assert actor.id == "S-001"
    assert actor.unit_code == "320803"
    assert actor.role is Role.CLERK


def test_changed_roles_are_recorded() -> None:
    member = staff()

    member.change_roles(frozenset({Role.APPROVER}), ADMIN)

    [event] = member.collect_events()
    assert isinstance(event, Staff.RolesChanged)
    assert event.roles == frozenset({Role.APPROVER})
    assert member.roles == frozenset({Role.APPROVER})


@pytest.mark.parametrize(
    ("roles", "error"),
    [
        (frozenset(), InvalidInputError),
        (frozenset({Role.CLERK}), IllegalTransitionError),
    ],
    ids=["no roles", "unchanged"],
)
def test_role_change_must_leave_some_role_and_change_something(
    roles: frozenset[Role], error: type[Exception]
) -> None:
    member = staff()
    with pytest.raises(error):
        member.change_roles(roles, ADMIN)
    assert member.collect_events() == []


def test_deactivated_staff_is_inactive() -> None:
    member = staff()

    member.deactivate(ADMIN)

    [event] = member.collect_events()
    assert isinstance(event, Staff.Deactivated)
    assert event.audit.reason == ADMIN.reason
    assert member.active is False


def test_deactivating_inactive_staff_is_refused() -> None:
    member = staff()
    member.deactivate(ADMIN)
    settled(member)
    with pytest.raises(IllegalTransitionError):
        member.deactivate(ADMIN)
    assert member.collect_events() == []


def test_deactivation_without_a_reason_is_refused() -> None:
    member = staff()
    with pytest.raises(AuditContractError):
        member.deactivate(ADMIN_NO_REASON)
    assert member.collect_events() == []


def test_reactivated_staff_is_active_again() -> None:
    member = staff()
    member.deactivate(ADMIN)
    settled(member)

    member.reactivate(ADMIN)

    [event] = member.collect_events()
    assert isinstance(event, Staff.Reactivated)
    assert member.active is True


def test_inactive_staff_gets_no_token() -> None:
    member = staff()
    member.deactivate(ADMIN)
    settled(member)
    with pytest.raises(IllegalTransitionError):
        member.grant_token(UUID(int=5), "laptop", ADMIN)
    assert member.collect_events() == []


def test_enrolling_a_staff_number_twice_is_refused(empty_registry: Registry) -> None:
    empty_registry.enrol_staff(
        "S-001", "赵六", "320803", frozenset({Role.CLERK}), BOOTSTRAP
    )
    with pytest.raises(IllegalTransitionError):
        empty_registry.enrol_staff(
            "S-001", "钱七", "320803", frozenset({Role.CLERK}), BOOTSTRAP
        )


def test_admin_of_another_county_cannot_enrol_staff_here(
    empty_registry: Registry,
) -> None:
    with pytest.raises(PermissionDeniedError):
        empty_registry.enrol_staff(
            "S-001",
            "赵六",
            "320803",
            frozenset({Role.CLERK}),
            staff_audit(Role.ADMIN, unit="320804"),
        )
    assert all_notifications(empty_registry) == []


# -- units ---------------------------------------------------------------------------------


def test_established_unit_is_named_by_its_normalised_code() -> None:
    unit = Unit.establish("320800", "连云港市市场监督管理局", BOOTSTRAP)

    [event] = unit.collect_events()
    assert isinstance(event, Unit.Established)
    assert event.code == "3208"
    assert event.name == "连云港市市场监督管理局"
    assert unit.id == unit_id("3208")


def test_establishing_a_unit_twice_is_refused(empty_registry: Registry) -> None:
    empty_registry.establish_unit("320803", "海州区市场监督管理局", BOOTSTRAP)
    found = empty_registry.get_unit("320803")
    assert found is not None
    assert found.name == "海州区市场监督管理局"
    with pytest.raises(IllegalTransitionError):
        empty_registry.establish_unit("320803", "海州区局", BOOTSTRAP)


# -- tokens ----------------------------------------------------------------------------------


@pytest.fixture
def with_staff(empty_registry: Registry) -> Registry:
    empty_registry.enrol_staff(
        "S-001", "赵六", "320803", frozenset({Role.CLERK}), BOOTSTRAP
    )
    return empty_registry


def test_issued_token_authenticates_its_staff_member(with_staff: Registry) -> None:
    secret, token_id = with_staff.issue_token("S-001", "办公电脑", ADMIN)

    assert secret.startswith(TOKEN_PREFIX)
    assert token_id == token_id_for(secret)
    member = with_staff.authenticate(secret)
    assert member is not None
    assert member.staff_no == "S-001"
    assert member.token_ids == {token_id: "办公电脑"}


def test_each_issue_returns_a_new_secret(with_staff: Registry) -> None:
    first, _ = with_staff.issue_token("S-001", "a", ADMIN)
    second, _ = with_staff.issue_token("S-001", "b", ADMIN)
    assert first != second


def test_revoked_token_no_longer_authenticates(with_staff: Registry) -> None:
    secret, token_id = with_staff.issue_token("S-001", "办公电脑", ADMIN)

    with_staff.revoke_token(token_id, ADMIN)

    assert with_staff.authenticate(secret) is None
    token = with_staff.find(Token, token_id)
    assert token is not None
    assert token.revoked is True
    assert with_staff.get_staff("S-001").token_ids == {}


def test_revoked_token_fails_even_if_the_staff_record_still_lists_it(
    with_staff: Registry,
) -> None:
    # Defence in depth: the token's own state is checked, not only the grant.
    secret, token_id = with_staff.issue_token("S-001", "办公电脑", ADMIN)
    token = with_staff.find(Token, token_id)
    assert token is not None
    token.revoke(ADMIN)
    with_staff.save(token)

    assert token_id in with_staff.get_staff("S-001").token_ids
    assert with_staff.authenticate(secret) is None


def test_revoking_a_token_twice_is_refused(with_staff: Registry) -> None:
    _, token_id = with_staff.issue_token("S-001", "办公电脑", ADMIN)
    with_staff.revoke_token(token_id, ADMIN)
    with pytest.raises(IllegalTransitionError):
        with_staff.revoke_token(token_id, ADMIN)


def test_token_of_deactivated_staff_no_longer_authenticates(
    with_staff: Registry,
) -> None:
    secret, _ = with_staff.issue_token("S-001", "办公电脑", ADMIN)
    member = with_staff.get_staff("S-001")
    member.deactivate(ADMIN)
    with_staff.save(member)

    assert with_staff.authenticate(secret) is None


def test_unknown_token_does_not_authenticate(with_staff: Registry) -> None:
    with_staff.issue_token("S-001", "办公电脑", ADMIN)
    assert with_staff.authenticate(TOKEN_PREFIX + "not-a-token") is None


def test_token_for_unknown_staff_is_not_issued(with_staff: Registry) -> None:
    with pytest.raises(NotFoundError):
        with_staff.issue_token("S-404", "办公电脑", ADMIN)


def test_token_secret_is_never_stored(with_staff: Registry) -> None:
    secrets = [
        with_staff.issue_token("S-001", f"device {i}", ADMIN)[0] for i in range(3)
    ]
    with_staff.revoke_token(token_id_for(secrets[0]), ADMIN)

    states = stored_states(with_staff)
    topics = [n.topic for n in all_notifications(with_staff)]
    assert "casetrace.registry.Token.Issued" in topics
    for secret in secrets:
        assert all(secret.encode() not in state for state in states)
        # Nor the part after the public prefix, in any encoding of it.
        body = secret.removeprefix(TOKEN_PREFIX).encode()
        assert all(body not in state for state in states)


# -- shipped catalogue updates ----------------------------------------------------------


def test_a_shipped_correction_revises_items_no_person_has_touched(
    registry: Registry,
) -> None:
    corrected = [
        item_with(i.code, promised_limit_wd=i.promised_limit_wd - 1)
        if i.code == PLAIN_ITEM
        else i
        for i in shipped_catalogue()
    ]
    assert registry.load_catalogue(corrected, BOOTSTRAP) == 1
    assert (
        registry.get_item(PLAIN_ITEM).promised_limit_wd
        == item(PLAIN_ITEM).promised_limit_wd - 1
    )
    revision = all_notifications(registry)[-1]
    assert revision.topic == "casetrace.registry.Catalogue.ItemRevised"


def test_a_shipped_correction_never_overwrites_an_admins_revision(
    registry: Registry,
) -> None:
    registry.revise_item(
        CATALOGUE_ID, ADMIN, PLAIN_ITEM, item_with(PLAIN_ITEM, fee_fen=500)
    )
    corrected = [
        item_with(i.code, promised_limit_wd=i.promised_limit_wd - 1)
        if i.code == PLAIN_ITEM
        else i
        for i in shipped_catalogue()
    ]
    assert registry.load_catalogue(corrected, BOOTSTRAP) == 0
    assert registry.get_item(PLAIN_ITEM).fee_fen == 500


def test_a_renewal_lead_in_months_is_not_also_thirty_days() -> None:
    terms = item(PLAIN_ITEM).model_dump()
    terms.pop("renewal_lead_days")
    assert (
        ItemTerms.model_validate({**terms, "renewal_lead_months": 6}).renewal_lead_days
        == 0
    )
    assert (
        ItemTerms.model_validate(terms).renewal_lead_days == 30
    )  # the Art. 50 default


@pytest.mark.parametrize(
    ("staff_no", "name", "field"),
    [
        ("S-002", "赵\u202e六", "name"),  # an actor name shown in every history
        ("S-002", "赵\x00六", "name"),
        ("S-002", "\u200b", "name"),
        ("S\u200b-002", "赵六", "staff_no"),
        ("S-002\n", "赵六", "staff_no"),
    ],
)
def test_a_staff_name_or_number_passes_the_text_type(
    staff_no: str, name: str, field: str
) -> None:
    with pytest.raises(InvalidInputError) as excinfo:
        Staff.enrol(staff_no, name, "320800", frozenset({Role.CLERK}), BOOTSTRAP)
    assert excinfo.value.field == field


def test_an_admin_grants_the_personal_data_right_and_a_clerk_cannot(
    registry: Registry,
) -> None:
    registry.enrol_staff(
        "AU-1", "审计员", "320803", frozenset({Role.AUDITOR}), BOOTSTRAP
    )
    with pytest.raises(PermissionDeniedError):
        registry.change_roles(
            "AU-1",
            frozenset({Role.AUDITOR, Role.PERSONAL_DATA}),
            staff_audit(Role.CLERK, reason="越权"),
        )
    registry.change_roles("AU-1", frozenset({Role.AUDITOR, Role.PERSONAL_DATA}), ADMIN)
    assert registry.get_staff("AU-1").roles == {Role.AUDITOR, Role.PERSONAL_DATA}
