"""The application shell around the control core: persistence, boot guard,
bench mode and the asyncio main loop. No ``machine`` here: see ``board``."""
