"""Push channels: FCM and the phone makers' and aggregators' channels behind one interface,
the per-phone choice of channel, and what each channel achieved."""
