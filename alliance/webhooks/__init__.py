"""Webhooks: partners' endpoints told of events, with signed and retried deliveries."""
