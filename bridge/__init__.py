"""Everything that talks to the homeserver. Nothing else calls Matrix or
Synapse; errors leave this package as ``BridgeError``. Calls go through
``transport`` (errors, 429s), the bot's through ``matrix_client`` (one
client), and rooms are declared in ``rooms``."""
