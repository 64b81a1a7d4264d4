"""The programme's use cases, each taking a `Context` and asking `require(ctx, action)` first."""
