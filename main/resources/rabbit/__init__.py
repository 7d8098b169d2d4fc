"""`AMQP_URL=amqp://...`: RabbitMQ through pika: the topology (exchange, queues, dead letters),
the publishers (one message and bulk with confirms), the worker's consumer, and the queue
depths read at scrape."""
