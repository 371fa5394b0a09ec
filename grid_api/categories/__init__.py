"""The category taxonomy (部件 / 事件, GB/T 30428.2): what can be reported, with its time limits."""
