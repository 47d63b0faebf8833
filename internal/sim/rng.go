package sim

import "math/rand/v2"

// Randomness comes in streams: one per class for arrivals and for the
// priority mix, one per step for durations, for routing and for
// auto-approval. Each stream is seeded from (Model.Seed, replication,
// stream) through a hash, so changing how often one stream is drawn from
// (a step's distribution, a class's rate) leaves every other stream's
// numbers where they were: common random numbers for comparing scenarios.

// Stream purposes, part of a stream's identity.
const (
	streamArrivals uint64 = iota + 1
	streamPriority
	streamDuration
	streamRouting
	streamApprove
)

// mix64 is the splitmix64 finaliser: a bijection on 64 bits whose output
// bits each depend on every input bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// streamSeed hashes a stream's identity into the two words of a PCG seed.
func streamSeed(seed uint64, replication int, purpose uint64, index int) (uint64, uint64) {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	h = mix64(h ^ uint64(replication)*0xd1b54a32d192ed03)
	h = mix64(h ^ purpose<<32 ^ uint64(uint32(index)))
	return h, mix64(h ^ 0x2545f4914f6cdd1d)
}

// rng is one stream of random numbers.
type rng struct {
	pcg rand.PCG
	r   *rand.Rand
}

func newRNG(seed uint64, replication int, purpose uint64, index int) *rng {
	a, b := streamSeed(seed, replication, purpose, index)
	g := &rng{}
	g.pcg.Seed(a, b)
	g.r = rand.New(&g.pcg)
	return g
}

// float64 returns a uniform number in [0, 1).
func (g *rng) float64() float64 {
	return float64(g.pcg.Uint64()>>11) * 0x1p-53
}

// open01 returns a uniform number in (0, 1), safe to take the log of.
func (g *rng) open01() float64 {
	return (float64(g.pcg.Uint64()>>12) + 0.5) * 0x1p-52
}

// exp returns an exponential number with mean 1.
func (g *rng) exp() float64 { return g.r.ExpFloat64() }

// norm returns a standard normal number.
func (g *rng) norm() float64 { return g.r.NormFloat64() }

// intN returns a uniform integer in [0, n).
func (g *rng) intN(n int) int { return g.r.IntN(n) }
