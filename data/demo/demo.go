package demo

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"ipmatch/data"
)

// DefaultSeed is the seed of the committed dataset (the event day).
const DefaultSeed int64 = 20210423

// The demo's size.
const (
	numEnterprises = 72
	numPatents     = 700
	numAtEvent     = 30 // enterprises registered for the event
)

// Dataset is a complete, consistent set of records: every reference (owner,
// bank, product, pool, event, enterprise) points at a record of the set.
type Dataset struct {
	Pools        []data.Pool
	Banks        []data.Bank
	Appraisers   []data.Appraiser
	Products     []data.Product
	Enterprises  []data.Enterprise
	Patents      []data.Patent
	Events       []data.Event
	Participants []data.Participant
	Deals        []data.Deal
	Appraisals   []data.Appraisal
	Policies     []data.Policy // policies.go
}

// Kinds lists the record kinds of the dataset in load order (referenced
// records first). Each is the name of a file of File and of an import kind.
var Kinds = []string{"pools", "banks", "appraisers", "products", "enterprises", "patents", "appraisals", "events", "participants", "deals", "policies"}

//go:embed files/*.jsonl
var files embed.FS

// File returns the committed JSON Lines of one kind of Kinds (one record a
// line, sorted by ID, as json.Marshal writes it), or nil for an unknown
// kind. The caller must not modify the returned bytes.
func File(kind string) []byte {
	if !slices.Contains(Kinds, kind) {
		return nil
	}
	b, err := files.ReadFile("files/" + kind + ".jsonl")
	if err != nil {
		panic("demo: missing embedded file: " + err.Error()) // a build problem
	}
	return b
}

// Files returns the committed JSON Lines of every kind, keyed by kind name.
func Files() map[string][]byte {
	m := make(map[string][]byte, len(Kinds))
	for _, k := range Kinds {
		m[k] = File(k)
	}
	return m
}

// Generate builds the demo dataset from seed. The same seed always gives the
// same dataset; DefaultSeed gives the committed one. Every record is
// normalised, valid and sorted by ID (patents by application number).
func Generate(seed int64) Dataset {
	ds := Dataset{
		Pools:      pools(),
		Banks:      banks(),
		Appraisers: appraisers(),
		Products:   products(),
		Events:     events(),
		Policies:   policies(),
	}

	// Enterprises: every Zhaoqing district, weighted to 高要区.
	er := newRand(seed, streamEnterprises)
	em := newEntMaker(er, "7", "4")
	em.uniqueNames = true
	var places []*district
	for i, n := range zhaoqingCounts {
		for range n {
			places = append(places, &zhaoqing[i])
		}
	}
	er.Shuffle(len(places), func(i, j int) { places[i], places[j] = places[j], places[i] })
	for i := range numEnterprises {
		d := places[i%len(places)]
		var founded data.Date
		if i == numEnterprises-1 {
			// A start-up in 高要区, too young for products that want a year.
			d, founded = &zhaoqing[2], data.NewDate(2020, time.August, 18)
		}
		ds.Enterprises = append(ds.Enterprises, em.make(fmt.Sprintf("ent_%04d", i+1), d.code, d, founded))
	}

	// Patents: at least two per enterprise, the rest by size.
	pr := newRand(seed, streamPatents)
	pm := newPatMaker(pr, AsOf, 0, 1_000_000)
	owners := make([]*owner, len(ds.Enterprises))
	counts := make([]int, len(ds.Enterprises))
	weights := make([]int, len(ds.Enterprises))
	for i := range ds.Enterprises {
		e := &ds.Enterprises[i]
		owners[i] = demoOwner(e, em.sectorOf[e.ID], pr)
		counts[i] = 2
		weights[i] = patentWeight[em.sizes[e.ID]]
		if e.HasCert(data.CertHighTech) {
			weights[i] *= 2
		}
		if e.Founded.Year >= 2019 {
			weights[i] = 1
		}
	}
	for range numPatents - 2*len(counts) {
		counts[weighted(pr, weights)]++
	}
	for i, o := range owners {
		for range counts[i] {
			ds.Patents = append(ds.Patents, pm.make(o))
		}
	}

	g := &eventGen{ds: &ds, r: newRand(seed, streamEvent), pm: pm}
	g.run()

	sortByID(ds.Pools, func(r data.Pool) string { return r.ID })
	sortByID(ds.Banks, func(r data.Bank) string { return r.ID })
	sortByID(ds.Products, func(r data.Product) string { return r.ID })
	sortByID(ds.Enterprises, func(r data.Enterprise) string { return r.ID })
	sortByID(ds.Patents, func(r data.Patent) string { return r.ApplicationNumber })
	sortByID(ds.Events, func(r data.Event) string { return r.ID })
	sortByID(ds.Participants, func(r data.Participant) string { return r.ID })
	sortByID(ds.Deals, func(r data.Deal) string { return r.ID })
	sortByID(ds.Appraisers, func(r data.Appraiser) string { return r.ID })
	sortByID(ds.Appraisals, func(r data.Appraisal) string { return r.ID })
	normalizeAll(&ds)
	return ds
}

// demoOwner describes enterprise e as a patent owner.
func demoOwner(e *data.Enterprise, sectorIndex int, r *rand.Rand) *owner {
	o := &owner{
		id: e.ID, name: e.Name, region: e.Region, founded: e.Founded,
		agency: agencies[r.IntN(len(agencies))],
	}
	for i := range zhaoqing {
		if zhaoqing[i].code == e.Region {
			o.address = zhaoqing[i].postcode + " " + e.Address
		}
	}
	for _, k := range sectors[sectorIndex].topics {
		o.topics = append(o.topics, topicByKey(k))
	}
	return o
}

func sortByID[T any](recs []T, id func(T) string) {
	slices.SortFunc(recs, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
}

// normalizeAll normalises every record, as a store would before writing.
func normalizeAll(ds *Dataset) {
	for i := range ds.Pools {
		ds.Pools[i].Normalize()
	}
	for i := range ds.Banks {
		ds.Banks[i].Normalize()
	}
	for i := range ds.Products {
		ds.Products[i].Normalize()
	}
	for i := range ds.Enterprises {
		ds.Enterprises[i].Normalize()
	}
	for i := range ds.Patents {
		ds.Patents[i].Normalize()
	}
	for i := range ds.Events {
		ds.Events[i].Normalize()
	}
	for i := range ds.Participants {
		ds.Participants[i].Normalize()
	}
	for i := range ds.Deals {
		ds.Deals[i].Normalize()
	}
	for i := range ds.Appraisers {
		ds.Appraisers[i].Normalize()
	}
	for i := range ds.Appraisals {
		ds.Appraisals[i].Normalize()
	}
	for i := range ds.Policies {
		ds.Policies[i].Normalize()
	}
}

// JSONL returns the records of one kind of Kinds as JSON Lines, in the
// dataset's order, or nil for an unknown kind. For the committed dataset it
// equals File(kind).
func (ds *Dataset) JSONL(kind string) []byte {
	switch kind {
	case "pools":
		return jsonl(ds.Pools)
	case "banks":
		return jsonl(ds.Banks)
	case "products":
		return jsonl(ds.Products)
	case "enterprises":
		return jsonl(ds.Enterprises)
	case "patents":
		return jsonl(ds.Patents)
	case "events":
		return jsonl(ds.Events)
	case "participants":
		return jsonl(ds.Participants)
	case "deals":
		return jsonl(ds.Deals)
	case "appraisers":
		return jsonl(ds.Appraisers)
	case "appraisals":
		return jsonl(ds.Appraisals)
	case "policies":
		return jsonl(ds.Policies)
	}
	return nil
}

func jsonl[T any](recs []T) []byte {
	var b bytes.Buffer
	for i := range recs {
		line, err := json.Marshal(&recs[i])
		if err != nil {
			panic("demo: " + err.Error()) // records always marshal
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
