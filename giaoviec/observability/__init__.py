"""What operators see of a running process: Prometheus metrics, JSON logs with the request and
task they belong to, and the health answers. Below every layer that reports into it."""
