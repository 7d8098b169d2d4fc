"""In-process adapters for the embedded defaults and for tests: the event bus of `make run`
(`AMQP_URL=memory://`)."""
