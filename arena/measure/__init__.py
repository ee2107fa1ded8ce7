"""Measuring one network under a protocol: parameters and MACs (profile, counters), the official
figures (verify), latency (timing, protocol, prepare, bench, by_node, fuse, onnx_backend, export),
and the roofline (peaks: datasheets, calibrate, peaks_cache; roofline). Each returns plain data;
the CLI renders it."""
