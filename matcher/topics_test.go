package matcher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"ipmatch/data"
)

// bigrams cuts text as the index's cjk analyzer does, for the tests (the
// package cannot import search): runs of Chinese characters into
// overlapping bigrams (a lone character as itself), other runs of letters
// or digits whole, lower case.
func bigrams(text string) []string {
	var out []string
	var run []rune
	flush := func() {
		switch {
		case len(run) == 1:
			out = append(out, string(run))
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				out = append(out, string(run[i:i+2]))
			}
		}
		run = run[:0]
	}
	var word []rune
	for _, r := range text + " " {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				out, word = append(out, strings.ToLower(string(word))), word[:0]
			}
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flush()
			word = append(word, r)
		default:
			flush()
			if len(word) > 0 {
				out, word = append(out, strings.ToLower(string(word))), word[:0]
			}
		}
	}
	return out
}

// subject is a technology of the synthetic patents: the words of its
// titles and abstracts.
type subject struct {
	name  string
	words []string
}

var subjects = []subject{
	{"gates", []string{"液压闸门", "启闭机", "止水带", "闸墩", "水位计", "泄洪"}},
	{"rollers", []string{"压路机", "振动轮", "摊铺机", "熨平板", "沥青", "碾压"}},
	{"barriers", []string{"护栏", "立柱", "警示灯", "路标", "防撞", "反光膜"}},
}

// syntheticPatents returns perSubject patents of each subject, written
// as Chinese utility models are (一种…, 本实用新型公开了…, 所述 …, with
// words common to all), and the subject of each by ID.
func syntheticPatents(perSubject int, seed uint64) ([]TopicDoc, map[string]string) {
	r := rand.New(rand.NewPCG(seed, 1))
	var docs []TopicDoc
	truth := map[string]string{}
	common := []string{"底座", "支架", "螺栓", "结构", "电机"}
	for _, s := range subjects {
		for i := range perSubject {
			w := func() string { return s.words[r.IntN(len(s.words))] }
			c := func() string { return common[r.IntN(len(common))] }
			title := fmt.Sprintf("一种%s的%s", w(), w())
			abstract := fmt.Sprintf("本实用新型公开了%s，包括%s、%s和%s，其特征在于：所述%s上设有%s，所述%s通过%s与%s连接。本实用新型结构简单，使用方便，有效解决了%s的问题。",
				title, w(), w(), c(), w(), w(), c(), c(), w(), w())
			id := fmt.Sprintf("CN2020%s%04d", s.name, i)
			docs = append(docs, TopicDoc{ID: id, Title: title, Abstract: abstract})
			truth[id] = s.name
		}
	}
	return docs, truth
}

func fit(t *testing.T, docs []TopicDoc, total int, opts TopicOptions) *TopicModel {
	t.Helper()
	if opts.Terms == nil {
		opts.Terms = bigrams
	}
	m, err := FitTopics(context.Background(), docs, total, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFitTopicsFindsTheSubjects clusters synthetic patents of three
// subjects: three clusters, each the patents of one subject, named by
// its words, counted as share × total, with examples of its own.
func TestFitTopicsFindsTheSubjects(t *testing.T) {
	docs, truth := syntheticPatents(30, 1)
	m := fit(t, docs, 900, TopicOptions{})
	if len(m.Clusters) != 3 || m.Sampled != 90 || m.Total != 900 {
		t.Fatalf("%d clusters of %d documents (total %d), want 3 of 90 (900): %+v", len(m.Clusters), m.Sampled, m.Total, m.Clusters)
	}
	seen := map[string]int{}
	sampled := 0
	for ci, c := range m.Clusters {
		bySubject := map[string]int{}
		for _, d := range docs {
			if got, ok := m.ClusterOf(d.ID); ok && got == ci {
				bySubject[truth[d.ID]]++
			}
		}
		if len(bySubject) != 1 || c.Sampled != 30 {
			t.Errorf("cluster %d (%s) holds %v, want the 30 of one subject", ci, c.Name, bySubject)
		}
		var subj string
		for s := range bySubject {
			subj = s
		}
		if prev, dup := seen[subj]; dup {
			t.Errorf("clusters %d and %d are both %s", prev, ci, subj)
		}
		seen[subj] = ci
		words := subjects[slices.IndexFunc(subjects, func(s subject) bool { return s.name == subj })].words
		for _, term := range c.Terms {
			if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(w, term) || strings.Contains(term, w) }) {
				t.Errorf("cluster %s: term %q is none of the subject's words %v", c.Name, term, words)
			}
		}
		if len(c.Terms) < 3 || !strings.HasPrefix(c.Name, c.Terms[0]+"、") {
			t.Errorf("cluster %q: terms %q", c.Name, c.Terms)
		}
		if c.Share != 0.3333 || c.Count != 300 {
			t.Errorf("cluster %s: share %v, count %d; want 0.3333, 300", c.Name, c.Share, c.Count)
		}
		if len(c.Examples) != 3 {
			t.Errorf("cluster %s: %d examples", c.Name, len(c.Examples))
		}
		for _, e := range c.Examples {
			if truth[e.ID] != subj {
				t.Errorf("cluster %s (%s): example %s is of %s", c.Name, subj, e.ID, truth[e.ID])
			}
		}
		sampled += c.Sampled
	}
	if sampled != 90 {
		t.Errorf("clusters hold %d documents, want 90", sampled)
	}
}

// TestFitTopicsIsDeterministic fits the same documents in another order,
// and twice: the same clusters, and every document where it was.
func TestFitTopicsIsDeterministic(t *testing.T) {
	docs, _ := syntheticPatents(25, 2)
	a := fit(t, docs, 1000, TopicOptions{})
	shuffled := slices.Clone(docs)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, in := range [][]TopicDoc{docs, shuffled} {
		b := fit(t, in, 1000, TopicOptions{})
		if !reflect.DeepEqual(a.Clusters, b.Clusters) || a.Iterations != b.Iterations {
			t.Errorf("two fits differ:\n%+v\n%+v", a.Clusters, b.Clusters)
		}
		for _, d := range docs {
			ca, oka := a.ClusterOf(d.ID)
			cb, okb := b.ClusterOf(d.ID)
			if ca != cb || oka != okb {
				t.Errorf("%s: cluster %d/%v, then %d/%v", d.ID, ca, oka, cb, okb)
			}
		}
	}
}

// TestFitTopicsLeavesBoilerplateOut checks that the set phrases of
// patents, which every synthetic patent has, never name a cluster or
// become one of its terms, though the cutter keeps them.
func TestFitTopicsLeavesBoilerplateOut(t *testing.T) {
	docs, _ := syntheticPatents(30, 5)
	m := fit(t, docs, 90, TopicOptions{})
	for _, c := range m.Clusters {
		for _, term := range c.Terms {
			for _, b := range []string{"一种", "本实", "实用", "用新", "新型", "公开", "包括", "所述", "其特", "特征", "在于", "设有", "解决", "问题", "简单", "方便", "使用"} {
				if strings.Contains(term, b) {
					t.Errorf("cluster %s has the term %q, which holds the set phrase's %q", c.Name, term, b)
				}
			}
			for _, r := range term {
				if strings.ContainsRune(functionChars, r) {
					t.Errorf("cluster %s has the term %q, which holds the particle %q", c.Name, term, r)
				}
			}
		}
	}
}

// TestFitTopicsNeedsEnoughDocuments checks that too few documents, or
// documents with no informative term, give no clusters, and that such a
// model places nothing.
func TestFitTopicsNeedsEnoughDocuments(t *testing.T) {
	docs, _ := syntheticPatents(10, 6)
	m := fit(t, docs[:MinTopicDocs-1], 100, TopicOptions{})
	if m.Clusters == nil || len(m.Clusters) != 0 || m.Sampled != MinTopicDocs-1 {
		t.Errorf("%d documents: %+v", MinTopicDocs-1, m)
	}
	if c, ok := m.Assign("一种液压闸门的启闭机"); ok {
		t.Errorf("a model without clusters placed a text in %d", c)
	}
	if _, ok := m.ClusterOf(docs[0].ID); ok {
		t.Error("a model without clusters placed a document")
	}
	if len(fit(t, docs, 100, TopicOptions{}).Clusters) == 0 {
		t.Errorf("%d documents of three subjects: no clusters", len(docs))
	}
	var empty []TopicDoc
	for i := range 40 {
		empty = append(empty, TopicDoc{ID: fmt.Sprint(i), Title: "一种", Abstract: "本实用新型公开了一种，其特征在于：所述。"})
	}
	if m := fit(t, empty, 40, TopicOptions{}); len(m.Clusters) != 0 {
		t.Errorf("documents of set phrases alone: %+v", m.Clusters)
	}
}

// TestFitTopicsRefuses checks the invalid inputs, each naming its field,
// and the programmer's error of no cutter.
func TestFitTopicsRefuses(t *testing.T) {
	docs, _ := syntheticPatents(12, 7)
	twice := append(slices.Clone(docs), docs[3])
	for _, c := range []struct {
		name  string
		docs  []TopicDoc
		total int
		opts  TopicOptions
		field string
	}{
		{"total below the sample", docs, len(docs) - 1, TopicOptions{}, "total"},
		{"negative topics", docs, 100, TopicOptions{Topics: -1}, "topics"},
		{"more topics than documents", docs, 100, TopicOptions{Topics: len(docs) + 1}, "topics"},
		{"an ID twice", twice, 100, TopicOptions{}, "docs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Terms = bigrams
			_, err := FitTopics(context.Background(), c.docs, c.total, c.opts)
			if data.ErrorCode(err) != data.CodeInvalid || !slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == c.field }) {
				t.Errorf("got %v, want an invalid error about %s", err, c.field)
			}
		})
	}
	t.Run("no cutter", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("FitTopics without Terms did not panic")
			}
		}()
		FitTopics(context.Background(), docs, 100, TopicOptions{})
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FitTopics(ctx, docs, 100, TopicOptions{Terms: bigrams}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled fit: %v", err)
	}
}

// TestAssignPlacesTexts places texts by their words: the sampled
// documents where they were (title twice and abstract, as fitted), new
// texts of one subject in its cluster, texts of no known term nowhere.
func TestAssignPlacesTexts(t *testing.T) {
	docs, truth := syntheticPatents(30, 8)
	m := fit(t, docs, 90, TopicOptions{})
	same := 0
	for _, d := range docs {
		want, _ := m.ClusterOf(d.ID)
		if got, ok := m.Assign(d.Title, d.Title, d.Abstract); ok && got == want {
			same++
		}
	}
	if same < len(docs)*95/100 {
		t.Errorf("%d of %d documents assigned where they were fitted", same, len(docs))
	}
	for _, s := range subjects {
		c, ok := m.Assign("一种"+s.words[0]+"的改进", s.words[1]+"和"+s.words[2])
		if !ok {
			t.Errorf("%s: not placed", s.name)
			continue
		}
		for _, e := range m.Clusters[c].Examples {
			if truth[e.ID] != s.name {
				t.Errorf("%s placed in %s, whose example %s is of %s", s.name, m.Clusters[c].Name, e.ID, truth[e.ID])
			}
		}
	}
	if c, ok := m.Assign("一种量子通信芯片", ""); ok {
		t.Errorf("a text of unknown terms placed in %d", c)
	}
}

// TestClusterWords checks how the top bigrams of a topic become words.
func TestClusterWords(t *testing.T) {
	// texts repeats each text of a case over different neighbours, so that
	// its words are whole (several characters before and after them).
	texts := func(parts ...string) []string {
		var out []string
		for i, p := range parts {
			for j, n := range []string{"甲", "乙", "丙"} {
				out = append(out, fmt.Sprintf("%s%s%s。", []string{"东", "南", "西"}[(i+j)%3], p, n))
			}
		}
		return out
	}
	for _, c := range []struct {
		name  string
		top   []string
		texts []string
		vocab []string
		want  []string
	}{
		{"overlaps joined", []string{"装置", "控制", "制装"}, texts("控制装置", "清洗装置", "控制电路"), nil, []string{"控制装置"}},
		{"a word extended", []string{"混凝", "凝土", "钢筋"}, texts("钢筋混凝土", "混凝土桥墩", "加强钢筋"), nil, []string{"混凝土", "钢筋"}},
		{"extended to the whole word", []string{"集装"}, texts("收集装置", "收集装置"), []string{"收集", "装置"}, []string{"收集装置"}},
		{"the word before left out", []string{"式液"}, append(texts("卧式液压", "立式液压"), texts("液压泵", "液压缸")...), []string{"液压"}, []string{"液压"}},
		{"a bigram inside one longer string", []string{"路护"}, texts("公路护栏"), nil, nil},
		{"held by a word", []string{"压路", "路机", "压路机"}, texts("压路机", "压路机"), nil, []string{"压路机"}},
		{"letters stay", []string{"led", "路灯"}, texts("led路灯", "路灯杆"), nil, []string{"led", "路灯"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &TopicModel{vocab: map[string]int{}}
			for i, v := range append(slices.Clone(c.top), c.vocab...) {
				m.vocab[v] = i
			}
			if got := m.clusterWords(c.top, c.texts, 8); !slices.Equal(got, c.want) {
				t.Errorf("clusterWords(%q) = %q, want %q", c.top, got, c.want)
			}
		})
	}
}

// TestTopicCount checks the rule for the number of topics.
func TestTopicCount(t *testing.T) {
	for n, want := range map[int]int{0: 0, MinTopicDocs - 1: 0, MinTopicDocs: 2, 74: 2, 75: 3, 199: 7, 200: 8, 2000: 8} {
		if got := TopicCount(n); got != want {
			t.Errorf("TopicCount(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestSquaredError checks the error of the factorisation, computed from
// the sparse matrix without forming W H, against the dense difference.
func TestSquaredError(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	v := newSparseRows(6, 5)
	dense := make([][]float64, 6)
	for i := range dense {
		dense[i] = make([]float64, 5)
		var cols []int
		var vals []float64
		for j := range 5 {
			if r.IntN(2) == 0 {
				dense[i][j] = r.Float64()
				cols, vals = append(cols, j), append(vals, dense[i][j])
			}
		}
		v.addRow(cols, vals)
	}
	w, h, _, err := factorise(context.Background(), v, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i := range 6 {
		for j := range 5 {
			d := dense[i][j] - (w.At(i, 0)*h.At(0, j) + w.At(i, 1)*h.At(1, j))
			want += d * d
		}
	}
	if got := v.squaredError(w, h); math.Abs(got-want) > 1e-9 {
		t.Errorf("squaredError = %v, want %v", got, want)
	}
}
