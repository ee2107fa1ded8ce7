"""Measuring one network under a protocol: parameters and MACs (profile, counters), the official
figures (verify), latency (bench, by_node, fuse, roofline, onnx_backend, export). Each returns plain
data; the CLI renders it."""
