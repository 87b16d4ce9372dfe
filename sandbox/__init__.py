"""Local simulators of the third-party APIs the hub talks to, served over HTTP on 127.0.0.1."""
