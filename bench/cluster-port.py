"""Prints a free loopback port of at most 55535 whose Redis Cluster bus port (10,000 above) is free too: Redis refuses
a cluster node on a higher port. Used by bench/run.sh and bench/redis-shard.sh."""
import random
import socket

while True:
    port = random.randint(20000, 55000)
    try:
        node, bus = socket.socket(), socket.socket()
        node.bind(("127.0.0.1", port))
        bus.bind(("127.0.0.1", port + 10000))
        node.close()
        bus.close()
        print(port)
        break
    except OSError:
        pass
