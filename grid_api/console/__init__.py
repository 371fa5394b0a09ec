"""The supervisors' web console (一屏通览): static pages served by the app, a client of the
public API like any other (no private back door)."""
