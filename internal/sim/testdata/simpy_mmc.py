#!/usr/bin/python3
"""The M/M/c queue of BenchmarkMMc (c = 3, rho = 0.8) in SimPy 2.3, for a
side-by-side speed comparison with the Go engine.

Run it with the system interpreter: /usr/bin/python3 simpy_mmc.py [customers]
It prints the customers served, the seconds taken, the mean wait (to check
it agrees with Erlang C's 1.0787) and model events per second, counting
three events per customer: arrival, start of service, departure.
"""
import random
import sys
import time

from SimPy.Simulation import Process, Resource, Simulation, hold, release, request

SERVERS, ARRIVAL_RATE, SERVICE_RATE = 3, 2.4, 1.0


class Customer(Process):
    def visit(self, servers, stats):
        arrived = self.sim.now()
        yield request, self, servers
        stats["wait"] += self.sim.now() - arrived
        yield hold, self, random.expovariate(SERVICE_RATE)
        yield release, self, servers
        stats["served"] += 1


class Source(Process):
    def generate(self, customers, servers, stats):
        for _ in range(customers):
            c = Customer(sim=self.sim)
            self.sim.activate(c, c.visit(servers, stats))
            yield hold, self, random.expovariate(ARRIVAL_RATE)


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 240000
    random.seed(1)
    sim = Simulation()
    sim.initialize()
    servers = Resource(capacity=SERVERS, sim=sim)
    stats = {"wait": 0.0, "served": 0}
    source = Source(sim=sim)
    sim.activate(source, source.generate(customers, servers, stats))
    start = time.perf_counter()
    sim.simulate(until=1e12)
    seconds = time.perf_counter() - start
    print("customers %d" % stats["served"])
    print("seconds %.3f" % seconds)
    print("mean_wait %.4f" % (stats["wait"] / stats["served"]))
    print("events/s %.0f" % (3 * stats["served"] / seconds))


if __name__ == "__main__":
    main()
