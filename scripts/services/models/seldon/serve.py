"""Launches `seldon-core-microservice IrisModel` bound to one host address (models.sh: 127.0.0.1).

seldon-core 1.18's microservice hard-codes 0.0.0.0 for its REST (gunicorn), gRPC and metrics servers.
This launcher keeps its code and rebinds those three listeners to SELDON_BIND_HOST before handing over
to seldon_core.microservice.main. Everything else (ports, workers, threads) comes from the usual
seldon-core options and environment (GUNICORN_WORKERS, GUNICORN_THREADS, GRPC_WORKERS, GRPC_THREADS).

    python serve.py IrisModel --service-type MODEL --http-port 9000 --grpc-port 5000 --metrics-port 6000
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys

import seldon_core.gunicorn_utils as gunicorn_utils
import seldon_core.microservice as microservice
import seldon_core.wrapper as wrapper

HOST = os.environ.get("SELDON_BIND_HOST", "127.0.0.1")
_ANY = "0.0.0.0"

# REST and metrics: gunicorn applications built from an options dict whose "bind" is 0.0.0.0:<port>.
_load_config = gunicorn_utils.StandaloneApplication.load_config


def _load_config_on_host(self):  # type: ignore[no-untyped-def]
    _load_config(self)
    self.cfg.set("bind", [b.replace(_ANY, HOST, 1) for b in self.cfg.bind])


gunicorn_utils.StandaloneApplication.load_config = _load_config_on_host

# gRPC: the port is reserved with SO_REUSEPORT, then each worker binds 0.0.0.0:<port>.
_get_grpc_server = wrapper.get_grpc_server


def _get_grpc_server_on_host(*args, **kwargs):  # type: ignore[no-untyped-def]
    server = _get_grpc_server(*args, **kwargs)
    add_insecure_port = server.add_insecure_port
    server.add_insecure_port = lambda address: add_insecure_port(address.replace(_ANY, HOST, 1))
    return server


wrapper.get_grpc_server = _get_grpc_server_on_host


@contextlib.contextmanager
def _reserve_grpc_port_on_host(grpc_port: int):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, grpc_port))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


microservice._reserve_grpc_port = _reserve_grpc_port_on_host

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)  # the microservice imports the component from the working directory
    sys.argv[0] = "seldon-core-microservice"
    microservice.main()
