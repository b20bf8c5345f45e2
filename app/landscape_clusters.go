package app

import (
	"context"
	"iter"
	"slices"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/search"
)

// The technology clusters of a landscape (issue 17): topics of the titles
// and abstracts of a sample of the landscape's patents, from the search
// index (search.Index.SamplePatents) and factorised by matcher.FitTopics,
// which says how. Like the rest of the technology part, they are counted
// over every patent in the index whatever the caller: patents are public.

// landscapeSample is how many patents the clusters are found in: a
// cluster of 5 % of the patents is then about 50 of them, twice the
// fewest a topic is allowed (matcher's docsPerTopic), and the sample's
// shares are within 1.4 percentage points (one standard error, for a
// quarter) of the whole's. 2,000 halved that error but took 0.15–0.2 s
// to read and factorise, longer than a district's counts it runs beside
// (BenchmarkProvinceLandscape: a city's districts 0.51 s on average with
// 2,000, 0.42 s with 1,000); the CNIPA sample's 199 patents already give
// clusters that are their subjects.
const landscapeSample = 1000

// landscapeClusters finds the technology clusters of the patents scope
// (a landscape's search, Landscape.request) selects in idx.
// The model's Clusters go into the report; its Assign places an
// enterprise's patents' titles into one of them. Errors are the search's
// (a filter it refuses names the field).
func landscapeClusters(ctx context.Context, idx *search.Index, scope search.Request) (*matcher.TopicModel, error) {
	sample, err := idx.SamplePatents(ctx, scope, landscapeSample)
	if err != nil {
		return nil, err
	}
	docs := make([]matcher.TopicDoc, len(sample.Patents))
	for i, p := range sample.Patents {
		docs[i] = matcher.TopicDoc{ID: p.ID, Title: p.Title, Abstract: p.Abstract}
	}
	return matcher.FitTopics(ctx, docs, sample.Total, matcher.TopicOptions{Terms: contentTerms})
}

// contentTerms is search.ContentTerms, cut the quick way where it can be
// (search.EachContentTerm): a sample's 1,000 titles and abstracts.
func contentTerms(text string) []string {
	return slices.Collect(search.EachContentTerm(text))
}

// placeEnterprise returns the cluster of model an enterprise is placed in
// by the titles of its patents in the landscape (inScope) taken together:
// the technology its portfolio is about, as model.Assign would place
// them. The titles are cut by search.EachContentTerm, which gives the
// index's terms at a tenth of the analyzer's cost for most titles: a
// province's report places 100,000 enterprises. False when no title has a
// term of the clusters.
func placeEnterprise(model *matcher.TopicModel, patents iter.Seq[*data.Patent], inScope func(*data.Patent) bool) (int, bool) {
	return model.AssignTerms(func(yield func(string) bool) {
		for pt := range patents {
			if !inScope(pt) {
				continue
			}
			for t := range search.EachContentTerm(pt.Title) {
				if !yield(t) {
					return
				}
			}
		}
	})
}
