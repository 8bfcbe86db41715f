"""Public disclosure (双公示, DOMAIN §5): what of a decision is published, when,
and its retraction — as events of the `disclosure` log."""
