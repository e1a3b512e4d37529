"""Every ward ranked by its SIPAS share satisfied over a month, quarter or year.

The console's admin sees all the wards, not the chat's short list. The figures are
`office.figures.figures(by="ward")`'s, the CLI's and the API's; each ward's response
rate is counted the same way as the city's (cases done in the period, answered).
A ward with fewer than `TOO_FEW` answers gets no rank: two happy answers must not
stand above a ward judged by five hundred. Such wards come after the ranked ones,
then the wards without any answer.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from office.figures import figures
from office.wards import list_wards
from storage.report import TOO_FEW, Cell, responses_by_ward


@dataclass(frozen=True)
class WardRank:
    """One ward's line: `rank` None when it has too few answers to be ranked."""

    rank: int | None
    code: str
    name: str
    kind: str
    removed: bool
    figure: Cell
    previous: Cell | None  # the same ward over the period before
    cases_done: int
    cases_answered: int

    @property
    def response_rate(self) -> float | None:
        return self.cases_answered / self.cases_done if self.cases_done else None


@dataclass(frozen=True)
class Ranking:
    since: date
    until: date
    overall: Cell  # the city's
    wards: list[WardRank]


def _order(cell: Cell) -> tuple[int, float, str]:
    """Ranked wards by share, best first; then too few answers; then none."""
    group = 2 if cell.share is None else int(cell.too_few)
    return group, -(cell.share or 0.0), cell.key


async def ward_ranking(
    session: AsyncSession, *, zone: ZoneInfo, since: date, until: date
) -> Ranking:
    """Every ward, removed ones too (their figures stay), ranked over `since`..`until`.

    Equal shares share a rank, and the next rank skips (1, 2, 2, 4), as a published
    league table does."""
    report = await figures(session, zone=zone, since=since, until=until, by="ward")
    before = {cell.key: cell for cell in report.previous.rows} if report.previous else {}
    responses = await responses_by_ward(session, zone=zone, since=since, until=until)
    kept = {row.code: row for row in await list_wards(session)}
    lines: list[WardRank] = []
    rank, last_share = 0, None
    for position, cell in enumerate(sorted(report.rows, key=_order), start=1):
        ward = kept[cell.key]
        ranked = cell.share is not None and cell.answers >= TOO_FEW
        if ranked and cell.share != last_share:
            rank, last_share = position, cell.share
        done, answered = responses.get(ward.id, (0, 0))
        lines.append(
            WardRank(
                rank if ranked else None,
                ward.code,
                ward.name,
                ward.kind,
                ward.removed_at is not None,
                cell,
                before.get(cell.key),
                done,
                answered,
            )
        )
    return Ranking(since, until, report.overall, lines)
