"""The office's operations, one layer under every door (CLI, HTTP API, demo, console).

Each operation is a plain async function over an `AsyncSession` that holds the rules
and commits its own change (one operation, one transaction); the doors only translate
their protocol to a call and an `office.errors.OfficeError` back to their own error form.
"""
