"""The office: plain async functions over the database that every door calls (CLI, chat, API)."""
