"""What the console's clerk pages list: a ward's recent cases and procedures.

The rules of registering and marking cases stay in `office/cases.py`; this module
only reads, for pages that show many cases at once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from office.cases import CaseStatus, case_status
from office.wards import get_ward
from storage.models import Case

RECENT_CASES = 100
RECENT_PROCEDURES = 20


@dataclass(frozen=True)
class CaseRow:
    """One line of the cases table (no personal data)."""

    code: str
    procedure: str
    status: CaseStatus
    registered_at: datetime
    desk: int | None


async def recent_cases(
    session: AsyncSession, ward: str, limit: int = RECENT_CASES
) -> list[CaseRow]:
    """The ward's newest cases first."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(Case)
        .where(Case.ward_id == kept.id)
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(limit)
    )
    return [
        CaseRow(case.code, case.procedure, case_status(case), case.created_at, case.desk)
        for case in found.all()
    ]


async def recent_procedures(
    session: AsyncSession, ward: str, limit: int = RECENT_PROCEDURES
) -> list[str]:
    """The procedures the ward registered most lately, for the form to offer."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(Case.procedure)
        .where(Case.ward_id == kept.id)
        .group_by(col(Case.procedure))
        .order_by(func.max(Case.created_at).desc())
        .limit(limit)
    )
    return list(found.all())
