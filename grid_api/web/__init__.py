"""Request plumbing: tokens, permissions, problems, blueprints, pagination, limits, i18n."""
