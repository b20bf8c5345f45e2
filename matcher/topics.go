package matcher

import (
	"cmp"
	"context"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"

	"ipmatch/data"
)

// Technology clusters of a patent landscape (专利导航, issue 17): topics
// found in the titles and abstracts of a sample of a region's patents by
// non-negative matrix factorisation, each named by its top terms.
//
//  1. Terms. Each text is cut into the index's terms by TopicOptions.Terms
//     (search.ContentTerms: Chinese as overlapping bigrams, set phrases
//     blanked); a title's terms count twice, as it names the invention.
//     A term is informative when it has two characters or more, no digit,
//     and is not a bigram of the patents' set phrases (boilerplateTerms).
//  2. Vocabulary. The informative terms in at least minTermDocs documents
//     (rarer ones describe a patent, not a technology, and cannot be
//     estimated) and at most maxTermShare of them (commoner ones, 装置 in
//     a set of devices, separate nothing), the maxVocabulary most frequent.
//  3. Matrix. A document's row is (1 + ln tf) × idf per term, idf =
//     ln((1 + n)/(1 + df)) + 1, scaled to unit length: a long abstract that
//     repeats its subject weighs as much as a short one.
//  4. Factorisation. V ≈ W H, W ≥ 0 (documents × topics) and H ≥ 0 (topics
//     × terms), by Lee and Seung's multiplicative updates for the squared
//     error from a seeded random start, until the error falls by less than
//     nmfTolerance over nmfCheck iterations (at most nmfMaxIterations).
//     H's rows are then scaled to unit length, W's columns the other way.
//  5. Clusters. A document belongs to the topic of its largest weight; a
//     topic that holds fewer than minClusterDocs documents is dropped and
//     its documents go to their next topic. A document without an
//     informative term belongs to none. A cluster's share is its documents
//     over the sample's, its count that share of the total the sample was
//     drawn from; its terms are the largest of its row of H with
//     overlapping bigrams merged into words (clusterWords), its name the
//     first three of them, its examples the titles of the documents of
//     largest weight.
//
// The same documents, total and options give the same clusters whatever
// the order of the documents (they are sorted by ID first).

// MinTopicDocs is the fewest documents with informative terms in which
// FitTopics looks for clusters: below it, a topic is the wording of a
// handful of patents.
const MinTopicDocs = 30

// MaxTopics is the most topics TopicCount chooses: a report's reader
// takes in about eight clusters, and more split one technology by the
// words of its patents.
const MaxTopics = 8

// docsPerTopic is how many documents TopicCount allows a topic, at least.
// A topic is the terms its documents share: with 25 a topic, a term of
// the vocabulary (in minTermDocs documents or more) is in an eighth of a
// topic's documents. On the 199 road, rail, bridge and waterway patents of
// the CNIPA sample (data/testdata) 25 gives 7 topics that are their
// subjects (barriers, road rollers, bridge piers, rail switches …), where
// 40 a topic gave 4, one of them a third of the patents under 装置、系统.
const docsPerTopic = 25

// DefaultTopicSeed seeds the factorisation when TopicOptions.Seed is 0.
const DefaultTopicSeed = 17

// The limits of the vocabulary and the clusters (see above).
const (
	minTermDocs    = 3
	minTitleDocs   = 2
	maxTermShare   = 0.4
	maxVocabulary  = 2000
	minClusterDocs = 3
	clusterTerms   = 8  // words shown of a cluster
	clusterNameMax = 3  // of them in its name
	nameTerms      = 24 // top terms merged into a cluster's words
	clusterShown   = 3  // example titles of a cluster
	minWordDocs    = 2  // documents of the cluster a merged word must occur in
)

// The factorisation's iterations (see above).
const (
	nmfMaxIterations = 400
	nmfCheck         = 10
	nmfTolerance     = 1e-4
	nmfEpsilon       = 1e-12 // keeps the updates' denominators positive
	assignIterations = 300
	assignTolerance  = 1e-6
)

// boilerplateTerms are bigrams of the set phrases of Chinese patent texts
// (本发明/本实用新型公开了一种…, 其特征在于, 所述, 包括, 设有, 技术领域 …)
// and of their connecting words: they say a text is a patent, not what it
// is about. ContentTerms blanks most set phrases before they are cut;
// these are left out whatever the cutter.
var boilerplateTerms = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`
		一种 本发 发明 明公 明涉 明提 明的 本实 实用 用新 新型 型公 型涉 型提 型的
		公开 开了 涉及 提供 包括 所述 设有 其特 特征 征在 在于 技术 术领 领域
		方法 其中 上述 一个 以及 通过 能够 可以 具有 用于 采用 使得 从而 并且
		或者 以上 所示 优点 有益 益效 效果 解决 问题 现有 有技 实现 达到 目的
		有效 简单 方便 提高 降低 成本 操作 使用 进行 位于 分别 之间 连接 固定
		相连 一端 另一 端连 两端 两侧 一侧 侧设 内设 上设 下设 还设 均设
	`) {
		boilerplateTerms[t] = true
	}
}

// TopicCount returns how many topics FitTopics looks for among n documents
// with informative terms: none below MinTopicDocs, else one per
// docsPerTopic documents, at least 2 and at most MaxTopics.
func TopicCount(n int) int {
	if n < MinTopicDocs {
		return 0
	}
	return min(MaxTopics, max(2, n/docsPerTopic))
}

// TopicDoc is one document of a sample to cluster.
type TopicDoc struct {
	// ID identifies the document (a patent's application number).
	ID string
	// Title and Abstract are its texts.
	Title, Abstract string
}

// TopicOptions configure FitTopics.
type TopicOptions struct {
	// Terms cuts a text into terms: search.ContentTerms, so that a cluster's
	// terms are the index's. Required.
	Terms func(text string) []string
	// Topics is how many topics to look for; 0 lets TopicCount choose.
	// Fewer are found when there are fewer terms.
	Topics int
	// Seed seeds the factorisation's start; 0 takes DefaultTopicSeed.
	Seed uint64
}

// LandscapeCluster is one technology cluster of a landscape.
type LandscapeCluster struct {
	// Name is the cluster's top terms merged into words, joined by 、
	// (控制装置、摊铺机).
	Name string `json:"name"`
	// Terms are its top terms, most telling first, merged into words of
	// its texts (up to eight; the index's bigrams when no whole word could
	// be made of them). A term is text of the patents, so searching it
	// finds them.
	Terms []string `json:"terms"`
	// Sampled is how many documents of the sample are in the cluster.
	Sampled int `json:"sampled"`
	// Share is Sampled over the sample's size.
	Share float64 `json:"share"`
	// Count estimates how many of all the patents the sample was drawn
	// from are in the cluster: Share × their total.
	Count int `json:"count"`
	// Examples are up to three of its documents, the most typical (of
	// largest weight on the topic) first, of different titles.
	Examples []ClusterExample `json:"examples"`
}

// ClusterExample is one example document of a cluster.
type ClusterExample struct {
	// ID is the document's ID (a patent's application number).
	ID string `json:"id"`
	// Title is its title.
	Title string `json:"title"`
}

// TopicModel is the clusters FitTopics found, and what places other texts
// (an enterprise's patents) into them. A TopicModel is safe for
// concurrent use once made.
type TopicModel struct {
	// Clusters are the clusters, largest first; none when the sample was
	// too small.
	Clusters []LandscapeCluster
	// Sampled is how many documents were clustered, and Total how many
	// they were drawn from.
	Sampled, Total int
	// Iterations is how many updates the factorisation ran.
	Iterations int

	terms   func(string) []string
	vocab   map[string]int // by term: its column
	columns []string       // by column: its term
	idf     []float64      // by column
	h       *mat.Dense     // topics × terms, rows of unit length
	hht     *mat.Dense     // H Hᵀ, for Assign
	cluster []int          // by topic: the index in Clusters, −1 when dropped
	placed  map[string]int // by document ID: its cluster
}

// FitTopics clusters docs, a sample of total documents (see above). Fewer
// than MinTopicDocs documents with informative terms give no clusters.
// A total below the number of documents, a negative number of topics or
// more than there are documents, and an ID given twice are invalid; a nil
// Terms panics. The work stops when ctx is done, returning its error.
func FitTopics(ctx context.Context, docs []TopicDoc, total int, opts TopicOptions) (*TopicModel, error) {
	if opts.Terms == nil {
		panic("matcher: FitTopics without TopicOptions.Terms")
	}
	if total < len(docs) {
		return nil, data.InvalidField("total", "%d is fewer than the %d documents sampled from it", total, len(docs))
	}
	if opts.Topics < 0 || opts.Topics > len(docs) {
		return nil, data.InvalidField("topics", "must be from 0 (chosen by the number of documents) to the %d documents, not %d", len(docs), opts.Topics)
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultTopicSeed
	}
	docs = slices.Clone(docs)
	slices.SortFunc(docs, func(a, b TopicDoc) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(docs); i++ {
		if docs[i].ID == docs[i-1].ID {
			return nil, data.InvalidField("docs", "the ID %q is given twice", docs[i].ID)
		}
	}
	m := &TopicModel{Clusters: []LandscapeCluster{}, Sampled: len(docs), Total: total, terms: opts.Terms, placed: map[string]int{}}

	// The terms of each document, by count; the vocabulary.
	counts := make([]map[string]float64, len(docs))
	df, titleDF := make(map[string]int, 16*len(docs)), make(map[string]int, 4*len(docs))
	for i, d := range docs {
		title, abstract := opts.Terms(d.Title), opts.Terms(d.Abstract)
		c := make(map[string]float64, len(title)+len(abstract)/2) // sized: growing maps was a tenth of the work
		for _, t := range title {
			if informative(t) {
				if c[t] == 0 {
					titleDF[t]++
				}
				c[t] += 2
			}
		}
		for _, t := range abstract {
			if informative(t) {
				c[t]++
			}
		}
		counts[i] = c
		for t := range c {
			df[t]++
		}
	}
	m.vocab, m.columns, m.idf = vocabulary(df, titleDF, len(docs))
	v := newSparseRows(len(docs), len(m.idf))
	withTerms := 0
	for _, c := range counts {
		if v.addRow(m.row(c)) {
			withTerms++
		}
	}
	k := opts.Topics
	if k == 0 {
		k = TopicCount(withTerms)
	}
	k = min(k, len(m.idf))
	if withTerms < MinTopicDocs || k == 0 {
		return m, nil
	}

	w, h, iters, err := factorise(ctx, v, k, opts.Seed)
	if err != nil {
		return nil, err
	}
	m.Iterations = iters
	normaliseTopics(w, h)
	m.h, m.hht = h, mat.NewDense(k, k, nil)
	m.hht.Mul(h, h.T())

	// Each document to its topic; small topics dropped.
	kept := make([]bool, k)
	for i := range kept {
		kept[i] = true
	}
	var topic []int
	for {
		topic = make([]int, len(docs))
		size := make([]int, k)
		for i := range docs {
			if topic[i] = argmaxKept(w.RawRowView(i), kept); topic[i] >= 0 {
				size[topic[i]]++
			}
		}
		dropped := false
		for t := range k {
			if kept[t] && size[t] < minClusterDocs {
				kept[t], dropped = false, true
			}
		}
		if !dropped {
			break
		}
	}

	// The clusters, largest first.
	type built struct {
		topic int
		c     LandscapeCluster
	}
	var clusters []built
	for t := range k {
		if !kept[t] {
			continue
		}
		var members []int
		for i := range docs {
			if topic[i] == t {
				members = append(members, i)
			}
		}
		if len(members) == 0 {
			continue
		}
		slices.SortStableFunc(members, func(a, b int) int { return cmp.Compare(w.At(b, t), w.At(a, t)) })
		c := LandscapeCluster{Sampled: len(members)}
		share := float64(len(members)) / float64(len(docs))
		c.Share = math.Round(share*10_000) / 10_000
		c.Count = int(math.Round(share * float64(total)))
		texts := make([]string, len(members))
		for j, i := range members {
			texts[j] = docs[i].Title + "\n" + docs[i].Abstract
			if len(c.Examples) < clusterShown && !slices.ContainsFunc(c.Examples, func(e ClusterExample) bool { return e.Title == docs[i].Title }) {
				c.Examples = append(c.Examples, ClusterExample{ID: docs[i].ID, Title: docs[i].Title})
			}
		}
		top := m.topTerms(t, nameTerms)
		if c.Terms = m.clusterWords(top, texts, clusterTerms); len(c.Terms) == 0 {
			c.Terms = top[:min(len(top), clusterTerms)] // no whole word: the bigrams, rather than no name
		}
		for j, term := range c.Terms {
			// The index cuts Latin words in lower case; in Chinese patent
			// texts they are abbreviations (PLC, LED, CNC), written so.
			if strings.IndexFunc(term, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
				c.Terms[j] = strings.ToUpper(term)
			}
		}
		c.Name = strings.Join(c.Terms[:min(len(c.Terms), clusterNameMax)], "、")
		clusters = append(clusters, built{t, c})
	}
	slices.SortStableFunc(clusters, func(a, b built) int {
		return cmp.Or(cmp.Compare(b.c.Sampled, a.c.Sampled), strings.Compare(a.c.Name, b.c.Name))
	})
	m.cluster = make([]int, k)
	for t := range m.cluster {
		m.cluster[t] = -1
	}
	for ci, b := range clusters {
		m.cluster[b.topic] = ci
		m.Clusters = append(m.Clusters, b.c)
	}
	for i, d := range docs {
		if topic[i] >= 0 && m.cluster[topic[i]] >= 0 {
			m.placed[d.ID] = m.cluster[topic[i]]
		}
	}
	return m, nil
}

// ClusterOf returns the index in Clusters of the cluster of the sampled
// document id; false when it is in none (no informative term, or no
// clusters) or was not sampled.
func (m *TopicModel) ClusterOf(id string) (int, bool) {
	c, ok := m.placed[id]
	return c, ok
}

// Assign places texts (all the titles of an enterprise's patents, say)
// into a cluster: their terms weighted as a sampled document's, and their
// weights on the topics found with the topics held as they were fitted
// (non-negative least squares, by the same multiplicative updates); the
// cluster is the kept topic of largest weight. False when there are no
// clusters or the texts have no term of the vocabulary. To place a
// sampled document as it was placed, give its title twice and its
// abstract.
func (m *TopicModel) Assign(texts ...string) (cluster int, ok bool) {
	return m.AssignTerms(func(yield func(string) bool) {
		for _, text := range texts {
			for _, t := range m.terms(text) {
				if !yield(t) {
					return
				}
			}
		}
	})
}

// AssignTerms places a document given by its terms, as Assign places
// texts cut by TopicOptions.Terms: for a caller that cuts many texts
// more cheaply into the same terms (search.EachContentTerm). Terms
// outside the vocabulary are ignored.
func (m *TopicModel) AssignTerms(terms iter.Seq[string]) (cluster int, ok bool) {
	if len(m.Clusters) == 0 {
		return -1, false
	}
	// The columns of the document's terms, with repeats; then each once
	// with its weight, in the order row gives them.
	var hits []int
	for t := range terms {
		if j, in := m.vocab[t]; in {
			hits = append(hits, j)
		}
	}
	if len(hits) == 0 {
		return -1, false
	}
	slices.Sort(hits)
	var cols []int
	var vals []float64
	for i := 0; i < len(hits); {
		j := i
		for j < len(hits) && hits[j] == hits[i] {
			j++
		}
		cols, vals = append(cols, hits[i]), append(vals, float64(j-i))
		i = j
	}
	m.weigh(cols, vals)
	k, _ := m.h.Dims()
	// w ← w ∘ (v Hᵀ) ⊘ (w H Hᵀ): the fit's update of W for one row, H Hᵀ
	// read from its backing array (k ≤ MaxTopics: a few hundred products
	// an iteration, done for every enterprise of a province).
	vh := make([]float64, 3*k)
	w, den := vh[k:2*k], vh[2*k:]
	vh = vh[:k]
	for t := range k {
		ht := m.h.RawRowView(t)
		for j, col := range cols {
			vh[t] += vals[j] * ht[col]
		}
	}
	for t := range w {
		w[t] = 1 / float64(k)
	}
	hht := m.hht.RawMatrix()
	for range assignIterations {
		for t := range k {
			d := nmfEpsilon
			for s := range k {
				d += w[s] * hht.Data[s*hht.Stride+t]
			}
			den[t] = d
		}
		// Stop once no weight that counts moves by assignTolerance of
		// itself: the rest of the iterations would not change which is
		// largest. A weight below assignTolerance of the largest counts
		// for nothing; it falls towards 0 by a steady factor.
		moved, largest := false, 0.0
		for t := range k {
			largest = max(largest, w[t])
		}
		for t := range k {
			f := vh[t] / den[t]
			moved = moved || w[t] > assignTolerance*largest && math.Abs(f-1) > assignTolerance
			w[t] *= f
		}
		if !moved {
			break
		}
	}
	best, bestW := -1, 0.0
	for t, wt := range w {
		if m.cluster[t] >= 0 && wt > bestW {
			best, bestW = m.cluster[t], wt
		}
	}
	return best, best >= 0
}

// row returns the matrix row of a document's term counts: the columns of
// its vocabulary terms in increasing order and their weights, (1 + ln tf)
// × idf scaled to unit length.
func (m *TopicModel) row(counts map[string]float64) (cols []int, vals []float64) {
	for t := range counts {
		if j, ok := m.vocab[t]; ok {
			cols = append(cols, j)
		}
	}
	slices.Sort(cols)
	vals = make([]float64, len(cols))
	for i, j := range cols {
		vals[i] = counts[m.columns[j]]
	}
	m.weigh(cols, vals)
	return cols, vals
}

// weigh turns the counts of the columns cols (increasing) into their
// weights, in place: (1 + ln tf) × idf, scaled to unit length.
func (m *TopicModel) weigh(cols []int, vals []float64) {
	norm := 0.0
	for i, j := range cols {
		vals[i] = (1 + math.Log(vals[i])) * m.idf[j]
		norm += vals[i] * vals[i]
	}
	norm = math.Sqrt(norm)
	for i := range vals {
		vals[i] /= norm
	}
}

// topTerms returns the n terms of topic t of largest weight (positive
// only), largest first.
func (m *TopicModel) topTerms(t, n int) []string {
	row := m.h.RawRowView(t)
	idx := make([]int, 0, len(row))
	for j, x := range row {
		if x > 0 {
			idx = append(idx, j)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(row[b], row[a]), strings.Compare(m.columns[a], m.columns[b]))
	})
	out := make([]string, 0, n)
	for _, j := range idx[:min(n, len(idx))] {
		out = append(out, m.columns[j])
	}
	return out
}

// informative reports whether term t may describe a technology: two
// characters or more, no digit, no particle, not a set phrase's bigram.
func informative(t string) bool {
	if utf8.RuneCountInString(t) < 2 || boilerplateTerms[t] {
		return false
	}
	for _, r := range t {
		if unicode.IsDigit(r) || strings.ContainsRune(functionChars, r) {
			return false
		}
	}
	return true
}

// functionChars are the particles and conjunctions of Chinese: a bigram
// holding one spans two words (装置和 of 刮泥装置和压路机, 板的 of 面板的),
// as the index cuts text without knowing its words.
const functionChars = "的和与及或了其之于并"

// vocabulary returns the terms kept (see the package comment), by
// decreasing document frequency: the column of each, the term of each
// column and its idf.
func vocabulary(df, titleDF map[string]int, n int) (vocab map[string]int, columns []string, idf []float64) {
	for t, c := range df {
		if c >= minTermDocs && titleDF[t] >= minTitleDocs && float64(c) <= maxTermShare*float64(n) {
			columns = append(columns, t)
		}
	}
	slices.SortFunc(columns, func(a, b string) int { return cmp.Or(cmp.Compare(df[b], df[a]), strings.Compare(a, b)) })
	columns = columns[:min(len(columns), maxVocabulary)]
	vocab = make(map[string]int, len(columns))
	idf = make([]float64, len(columns))
	for j, t := range columns {
		vocab[t] = j
		idf[j] = math.Log(float64(1+n)/float64(1+df[t])) + 1
	}
	return vocab, columns, idf
}

// sparseRows is a matrix of mostly zeros stored by rows (CSR): the
// document–term matrix, about 50 terms a row of a vocabulary of 2,000.
type sparseRows struct {
	rows, cols int
	start      []int // row i's entries are col[start[i]:start[i+1]]
	col        []int
	val        []float64
}

func newSparseRows(rows, cols int) *sparseRows {
	return &sparseRows{rows: 0, cols: cols, start: make([]int, 1, rows+1)}
}

// addRow appends a row; it reports whether the row has an entry.
func (v *sparseRows) addRow(cols []int, vals []float64) bool {
	v.col = append(v.col, cols...)
	v.val = append(v.val, vals...)
	v.start = append(v.start, len(v.col))
	v.rows++
	return len(cols) > 0
}

// factorise finds W (rows × k) and H (k × cols), both ≥ 0, with V ≈ W H,
// by the multiplicative updates for the squared error (Lee and Seung,
// "Algorithms for non-negative matrix factorization", NIPS 2000) from a
// uniform random start scaled to V's mean, as scikit-learn's "random"
// start. It returns them and the iterations run.
func factorise(ctx context.Context, v *sparseRows, k int, seed uint64) (w, h *mat.Dense, iters int, err error) {
	n, terms := v.rows, v.cols
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sum := 0.0
	for _, x := range v.val {
		sum += x
	}
	scale := math.Sqrt(sum / float64(n*terms) / float64(k))
	w, h = mat.NewDense(n, k, nil), mat.NewDense(k, terms, nil)
	for _, d := range [][]float64{w.RawMatrix().Data, h.RawMatrix().Data} {
		for i := range d {
			d[i] = scale * rng.Float64()
		}
	}
	var (
		wtv  = mat.NewDense(k, terms, nil) // Wᵀ V
		vht  = mat.NewDense(n, k, nil)     // V Hᵀ
		wtw  mat.Dense                     // Wᵀ W
		hht  mat.Dense                     // H Hᵀ
		wtwh mat.Dense                     // Wᵀ W H
		whht mat.Dense                     // W H Hᵀ
	)
	last := math.Inf(1)
	for iters = 1; iters <= nmfMaxIterations; iters++ {
		// H ← H ∘ (Wᵀ V) ⊘ (Wᵀ W H)
		v.mulTransposeLeft(w, wtv)
		wtw.Mul(w.T(), w)
		wtwh.Mul(&wtw, h)
		multiplicativeUpdate(h, wtv, &wtwh)
		// W ← W ∘ (V Hᵀ) ⊘ (W H Hᵀ)
		v.mulTransposeRight(h, vht)
		hht.Mul(h, h.T())
		whht.Mul(w, &hht)
		multiplicativeUpdate(w, vht, &whht)
		if iters%nmfCheck != 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, iters, err
		}
		e := v.squaredError(w, h)
		if last-e < nmfTolerance*last {
			break
		}
		last = e
	}
	return w, h, min(iters, nmfMaxIterations), nil
}

// multiplicativeUpdate sets x to x ∘ num ⊘ (den + ε), element by element.
func multiplicativeUpdate(x, num, den *mat.Dense) {
	xd, nd, dd := x.RawMatrix().Data, num.RawMatrix().Data, den.RawMatrix().Data
	for i := range xd {
		xd[i] *= nd[i] / (dd[i] + nmfEpsilon)
	}
}

// mulTransposeLeft sets dst (k × cols) to Wᵀ V.
func (v *sparseRows) mulTransposeLeft(w, dst *mat.Dense) {
	_, k := w.Dims()
	dst.Zero()
	d := dst.RawMatrix()
	for i := range v.rows {
		wi := w.RawRowView(i)
		for e := v.start[i]; e < v.start[i+1]; e++ {
			j, x := v.col[e], v.val[e]
			for t := range k {
				d.Data[t*d.Stride+j] += wi[t] * x
			}
		}
	}
}

// mulTransposeRight sets dst (rows × k) to V Hᵀ.
func (v *sparseRows) mulTransposeRight(h, dst *mat.Dense) {
	k, _ := h.Dims()
	hd := h.RawMatrix()
	for i := range v.rows {
		di := dst.RawRowView(i)
		for t := range k {
			s := 0.0
			for e := v.start[i]; e < v.start[i+1]; e++ {
				s += v.val[e] * hd.Data[t*hd.Stride+v.col[e]]
			}
			di[t] = s
		}
	}
}

// squaredError returns ‖V − W H‖² without forming W H:
// ‖V‖² − 2 Σ_ij V_ij (W H)_ij + Σ (WᵀW ∘ HHᵀ).
func (v *sparseRows) squaredError(w, h *mat.Dense) float64 {
	k, _ := h.Dims()
	hd := h.RawMatrix()
	e := 0.0
	for i := range v.rows {
		wi := w.RawRowView(i)
		for p := v.start[i]; p < v.start[i+1]; p++ {
			wh := 0.0
			for t := range k {
				wh += wi[t] * hd.Data[t*hd.Stride+v.col[p]]
			}
			e += v.val[p]*v.val[p] - 2*v.val[p]*wh
		}
	}
	var wtw, hht mat.Dense
	wtw.Mul(w.T(), w)
	hht.Mul(h, h.T())
	for s := range k {
		for t := range k {
			e += wtw.At(s, t) * hht.At(s, t)
		}
	}
	return e
}

// normaliseTopics scales H's rows to unit length and W's columns by the
// same factors, W H unchanged: a document's weights on the topics are then
// comparable, whatever the spread of each topic's terms.
func normaliseTopics(w, h *mat.Dense) {
	k, _ := h.Dims()
	for t := range k {
		row := h.RawRowView(t)
		norm := math.Sqrt(floatsDot(row, row))
		if norm == 0 {
			continue
		}
		for j := range row {
			row[j] /= norm
		}
		n, _ := w.Dims()
		for i := range n {
			w.Set(i, t, w.At(i, t)*norm)
		}
	}
}

func floatsDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// argmaxKept returns the kept topic of largest positive weight in w, the
// first of ties; −1 when none has any.
func argmaxKept(w []float64, kept []bool) int {
	best, bestW := -1, 0.0
	for t, x := range w {
		if kept[t] && x > bestW {
			best, bestW = t, x
		}
	}
	return best
}

// clusterWords merges a topic's top terms, best first, into words of the
// cluster's texts. The index cuts Chinese into bigrams without knowing
// its words, so a topic's terms are words (护栏), parts of longer ones
// (混凝, 凝土 of 混凝土) and bigrams across two (路护 of 公路护栏, 板装 of
// 模板装置). Each term, in turn, is the first of these that is a whole
// word (namer.whole: in minWordDocs texts or more, with several different
// characters before and after it) and no word holds yet:
//
//   - two words it overlaps joined (控制 + 制装 + 装置 → 控制装置);
//   - a word it overlaps extended by its other character, when that
//     character follows the word in at least half of its occurrences
//     (混凝 + 凝土 → 混凝土), or precedes it in at least extendShare of
//     them: a character before a word is more often the end of the word
//     before (液压 + 式液 is not 式液压);
//   - the term itself, extended while one character is next to it in
//     most of its occurrences (namer.extend: 集装 → 收集装置), without
//     its first character when the rest is a whole word (式液 → 式液压 →
//     液压: the 式 of 卧式, 驶式 …).
//
// A term that makes none is left out. Words another word holds are left
// out too. It returns at most max words, best first.
func (m *TopicModel) clusterWords(top []string, texts []string, max int) []string {
	nm := &namer{texts: texts, vocab: m.vocab, seen: map[string]*wordStats{}}
	var words []string
	held := func(w string) bool {
		return slices.ContainsFunc(words, func(o string) bool { return strings.Contains(o, w) })
	}
	for _, term := range top {
		if held(term) {
			continue
		}
		rs := []rune(term)
		if len(rs) != 2 { // a word of letters: no overlap to merge
			words = append(words, term)
			continue
		}
		x, y := string(rs[0]), string(rs[1])
		a := slices.IndexFunc(words, func(w string) bool { return strings.HasSuffix(w, x) })
		b := slices.IndexFunc(words, func(w string) bool { return strings.HasPrefix(w, y) })
		switch {
		case a >= 0 && b >= 0 && a != b && nm.whole(words[a]+words[b][len(y):]):
			words[a] += words[b][len(y):]
			words = slices.Delete(words, b, b+1)
		case a >= 0 && nm.share(words[a], y, false) >= 0.5 && nm.whole(words[a]+y):
			words[a] += y
		case b >= 0 && nm.share(words[b], x, true) >= extendShare && nm.whole(x+words[b]):
			words[b] = x + words[b]
		default:
			w := nm.extend(term)
			if _, size := utf8.DecodeRuneInString(w); w != term && nm.whole(w[size:]) {
				w = w[size:] // the term's first character ended the word before (式液压: 液压)
			}
			if nm.whole(w) && !held(w) {
				words = append(words, w)
			}
		}
	}
	var out []string
	for i, w := range words {
		if !slices.ContainsFunc(words, func(o string) bool { return o != w && strings.Contains(o, w) }) && !slices.Contains(words[:i], w) {
			out = append(out, w)
		}
	}
	return out[:min(len(out), max)]
}

// The tests of whole words (see clusterWords).
const (
	minAccessors   = 3   // different characters before and after a whole word
	extendShare    = 0.8 // of its occurrences a character must be next to a term for extend
	maxWordRunes   = 8
	boundaryMarker = -1 // stands for the start or end of a text, or a non-Chinese neighbour
)

// namer tells words from parts of words in a cluster's texts, by the
// characters next to them: a word occurs next to many different ones (its
// accessor variety, Feng et al., "Accessor variety criteria for Chinese
// word extraction", Computational Linguistics 30(1), 2004), a part of a
// longer word next to few.
type namer struct {
	texts []string
	vocab map[string]int
	seen  map[string]*wordStats
}

// wordStats are the occurrences of a string in the texts: how many, in
// how many texts, and the characters before and after them (a start,
// end or non-Chinese neighbour counts as a different one each time).
type wordStats struct {
	n, docs, leftEdges, rightEdges int
	left, right                    map[rune]int
}

func (nm *namer) stats(w string) *wordStats {
	if st, ok := nm.seen[w]; ok {
		return st
	}
	st := &wordStats{left: map[rune]int{}, right: map[rune]int{}}
	for _, t := range nm.texts {
		found := false
		for rest, off := t, 0; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			found = true
			st.n++
			at := off + i
			if r, size := utf8.DecodeLastRuneInString(t[:at]); size > 0 && unicode.Is(unicode.Han, r) {
				st.left[r]++
			} else {
				st.leftEdges++
			}
			if r, size := utf8.DecodeRuneInString(t[at+len(w):]); size > 0 && unicode.Is(unicode.Han, r) {
				st.right[r]++
			} else {
				st.rightEdges++
			}
			rest, off = rest[i+len(w):], at+len(w)
		}
		if found {
			st.docs++
		}
	}
	nm.seen[w] = st
	return st
}

// whole reports whether w is a word of the texts: in at least minWordDocs
// of them, with at least minAccessors different characters before it and
// after it.
func (nm *namer) whole(w string) bool {
	st := nm.stats(w)
	return st.docs >= minWordDocs && len(st.left)+st.leftEdges >= minAccessors && len(st.right)+st.rightEdges >= minAccessors
}

// share returns the share of w's occurrences that c precedes (before) or
// follows.
func (nm *namer) share(w, c string, before bool) float64 {
	st := nm.stats(w)
	if st.n == 0 {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(c)
	if before {
		return float64(st.left[r]) / float64(st.n)
	}
	return float64(st.right[r]) / float64(st.n)
}

// extend extends w by the character before or after it in at least
// extendShare of its occurrences, while the bigram that character makes
// with w is a term of the vocabulary (so that 所述轨枕 stays 轨枕), to at
// most maxWordRunes characters.
func (nm *namer) extend(w string) string {
	for utf8.RuneCountInString(w) < maxWordRunes {
		st := nm.stats(w)
		first, _ := utf8.DecodeRuneInString(w)
		last, _ := utf8.DecodeLastRuneInString(w)
		if r, ok := nm.dominant(st.left, st.n, func(r rune) string { return string(r) + string(first) }); ok {
			w = string(r) + w
		} else if r, ok := nm.dominant(st.right, st.n, func(r rune) string { return string(last) + string(r) }); ok {
			w += string(r)
		} else {
			break
		}
	}
	return w
}

// dominant returns the neighbour of at least extendShare of n occurrences
// whose bigram with the word is a term of the vocabulary.
func (nm *namer) dominant(neighbours map[rune]int, n int, bigram func(rune) string) (rune, bool) {
	for r, c := range neighbours {
		if float64(c) >= extendShare*float64(n) {
			if _, ok := nm.vocab[bigram(r)]; ok {
				return r, true
			}
		}
	}
	return 0, false
}
