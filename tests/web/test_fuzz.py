"""The API fuzzed against its own OpenAPI schema (schemathesis): no 500, no answer that
breaks the schema, whatever a client sends, valid by the schema or not.

Cases are drawn with Hypothesis first, then sent in the test's own event loop through
httpx's ASGI transport, so the app keeps the loop its database engine was made on.
`make test` runs a few examples per operation; SOGOPY_FUZZ_EXAMPLES=300 runs more.
"""

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from handlers.context import Context
from office.cases import register_case
from tests.web.conftest import Keys
from web.app import create_app
from web.state import HttpState

EXAMPLES = int(os.environ.get("SOGOPY_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def drawn(operation: object, mode: GenerationMode) -> list[schemathesis.Case]:
    cases: list[schemathesis.Case] = []

    @given(case=operation.as_strategy(mode))  # type: ignore[attr-defined]
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def collect(case: schemathesis.Case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing to break in, e.g., GET /health
    return cases


@pytest.mark.fuzz  # on PostgreSQL too: a NUL or an id beyond INTEGER fails only there
async def test_no_server_error_and_every_answer_fits_the_schema(
    state: HttpState, client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    async with ctx.db() as session:  # something to find: a case, whose code the fuzzer may hit
        await register_case(session, ward="NGHIA-TAN", code="0", procedure="Khai sinh")
    schema = schemathesis.openapi.from_dict(create_app(state).openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    sent: dict[str, int] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for index, case in enumerate(drawn(operation, mode)):
                auth = {} if index % 4 == 3 else {"Authorization": f"Bearer {keys.city}"}
                request = case.as_transport_kwargs(base_url=str(client.base_url), headers=auth)
                response = await client.request(
                    request["method"],
                    request["url"],
                    headers=request.get("headers"),
                    params=request.get("params"),
                    json=request.get("json"),
                    content=request.get("data"),
                )
                case.validate_response(response, checks=CHECKS, headers=request.get("headers"))
                sent[operation.label] = sent.get(operation.label, 0) + 1
    assert len(sent) == len(operations)  # every operation was called (/health: one way only)
