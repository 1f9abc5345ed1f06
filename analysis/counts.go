package analysis

// counts is a small multiset: a few distinct keys, each with a count. Buckets
// hold several of these, so a slice (a few dozen bytes) beats a map (hundreds).
type counts[K comparable] []keyCount[K]

type keyCount[K comparable] struct {
	key K
	n   int64
}

func (c *counts[K]) add(k K, n int64) {
	for i := range *c {
		if (*c)[i].key == k {
			(*c)[i].n += n
			return
		}
	}
	*c = append(*c, keyCount[K]{k, n})
}

func (c *counts[K]) merge(o counts[K]) {
	for _, kc := range o {
		c.add(kc.key, kc.n)
	}
}

func (c counts[K]) clone() counts[K] { return append(counts[K](nil), c...) }
