package report

import "math"

// DefaultThreshold is the cosine similarity, between a question's vector
// and a group's mean vector, from which the question joins the group. It
// was chosen with the local model (USE-lite) on the paraphrase sets in
// testdata/paraphrases.txt: go test -tags calibrate -run ThresholdSweep -v
// ./rag/report prints the sweep (docs/using.md has the numbers).
const DefaultThreshold = 0.62

// cluster groups vectors greedily, in order: each joins the group whose
// normalised mean it is most similar to when that similarity reaches
// threshold, else starts a group. It returns each group's member indexes,
// in input order.
func cluster(vecs [][]float32, threshold float64) [][]int {
	var groups [][]int
	var sums [][]float64 // each group's sum of unit vectors
	var norms []float64  // and that sum's length
	for i, v := range vecs {
		u := unit(v)
		best, bestSim := -1, threshold
		for g, s := range sums {
			if sim := dot(u, s) / norms[g]; sim >= bestSim {
				best, bestSim = g, sim
			}
		}
		if best < 0 {
			groups = append(groups, []int{i})
			sums = append(sums, append([]float64(nil), u...))
			norms = append(norms, norm(u))
			continue
		}
		groups[best] = append(groups[best], i)
		for j := range u {
			sums[best][j] += u[j]
		}
		norms[best] = norm(sums[best])
	}
	return groups
}

// unit is v scaled to length 1 (all zeros stays zeros).
func unit(v []float32) []float64 {
	u := make([]float64, len(v))
	var n float64
	for i, x := range v {
		u[i] = float64(x)
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return u
	}
	n = math.Sqrt(n)
	for i := range u {
		u[i] /= n
	}
	return u
}

func dot(a, b []float64) float64 {
	if len(a) != len(b) {
		return 0
	}
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm(v []float64) float64 {
	n := math.Sqrt(dot(v, v))
	if n == 0 {
		return 1
	}
	return n
}
