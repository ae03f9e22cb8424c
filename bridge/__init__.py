"""Everything that talks to the homeserver. Nothing else imports nio or
calls Synapse; errors leave this package as ``BridgeError``."""
