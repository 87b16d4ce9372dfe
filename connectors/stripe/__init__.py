"""The Stripe connector: a payment processor (PaymentIntents with manual capture, refunds)."""
