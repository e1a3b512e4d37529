"""Every ward ranked: shares and response rates worked out by hand, ties, too few answers."""

from datetime import date

from office.ranking import ward_ranking
from storage.models import WardKind, utcnow
from tests.storage.conftest import city  # noqa: F401  (a fixture)
from tests.storage.test_report import HANOI, City, at

NOV = (date(2026, 11, 1), date(2026, 11, 30))


async def test_every_ward_is_ranked_with_ties_then_too_few_then_none(city: City) -> None:  # noqa: F811
    nghia_tan = await city.ward("NGHIA-TAN", "Phường Nghĩa Tân")
    dich_vong = await city.ward("DICH-VONG", "Xã Dịch Vọng")
    dich_vong.kind = WardKind.XA
    mai_dich = await city.ward("MAI-DICH")
    few = await city.ward("YEN-HOA")
    gone = await city.ward("CU")
    gone.removed_at = utcnow()
    day = at(date(2026, 11, 10))
    await city.walkins(nghia_tan, day, *[5] * 9, 2)  # 90%
    await city.walkins(dich_vong, day, *[4] * 9, 1)  # 90%: the same rank
    await city.walkins(mai_dich, day, *[4] * 14, *[2] * 5)
    answered = await city.case(mai_dich, day)
    await city.run(mai_dich, day, {"result": 4}, source="case", case=answered)  # 15/20: 75%
    for _ in range(3):
        await city.case(mai_dich, day)  # done, never answered: 1 of 4 cases answered
    await city.case(mai_dich, at(date(2026, 10, 30)))  # done in October: not this period's
    await city.walkins(few, day, 5, 5, 5)  # 100%, but three answers
    await city.walkins(nghia_tan, at(date(2026, 10, 5)), *[5] * 10)  # October: the period before
    await city.session.commit()

    ranking = await ward_ranking(city.session, zone=HANOI, since=NOV[0], until=NOV[1])

    lines = [(w.rank, w.code, w.figure.answers, w.figure.share) for w in ranking.wards]
    assert lines == [
        (1, "DICH-VONG", 10, 0.9),
        (1, "NGHIA-TAN", 10, 0.9),
        (3, "MAI-DICH", 20, 0.75),
        (None, "YEN-HOA", 3, 1.0),
        (None, "CU", 0, None),
    ]
    by_code = {w.code: w for w in ranking.wards}
    assert by_code["DICH-VONG"].kind == "xã" and by_code["NGHIA-TAN"].kind == "phường"
    assert by_code["CU"].removed and not by_code["MAI-DICH"].removed
    mai = by_code["MAI-DICH"]
    assert (mai.cases_done, mai.cases_answered, mai.response_rate) == (4, 1, 0.25)
    assert by_code["NGHIA-TAN"].response_rate is None  # no case done: no rate, not 0%
    previous = by_code["NGHIA-TAN"].previous
    assert previous is not None and (previous.answers, previous.share) == (10, 1.0)
    assert ranking.overall.answers == 43 and ranking.since == NOV[0]
