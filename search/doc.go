// Package search holds ipmatch's full-text indexes of patents, enterprises
// and products (bleve, with the cjk analyzer for Chinese), kept in step
// with the data.Store, and answers searches with highlighted fragments,
// facets, filters, sorting and paging. It imports data and bleve only.
//
// # Keeping the index in step
//
// Open opens (or creates) the index directory of a store: one bleve index
// per kind, meta.json with the MappingVersion of a complete build, a LOCK
// held by the process, and a DIRTY marker while a write may not have
// reached the index. Open rebuilds from the store when the index is
// missing, damaged (bleve cannot open it), of another MappingVersion, when
// a kind's document count differs from the store's, or when DIRTY is there.
// A rebuild shows a progress bar (Options.Progress) or logs each tenth.
//
// Wrap decorates a store so that every Put and Delete of patents,
// enterprises, products and banks updates the index before returning. The
// DIRTY marker is written and synced before the store write and removed
// once the index update is persisted (bleve's persisted callback) and no
// other write is in flight, so a crash between the two writes is detected
// by the next Open.
//
// Writes made by other processes on the same store (another node sharing
// MongoDB, ipmatch bench-data) reach the index through a Follower: it
// reads the store's audit log (data.Audited) every FollowOptions.Interval
// from a cursor kept in the index directory, and re-indexes the records
// other nodes wrote, skipping the entries of its own node (Index.Node,
// shared by every process that writes through this index directory). A
// rebuild moves the cursor to its start.
//
// # Queries
//
// A query is words, all of which must match (AND). Chinese is indexed as
// overlapping bigrams; a word matches a field that has all its bigrams,
// leaving out bigrams no document of the caller's scope has (so
// "机床主轴", typed without a space, finds 机床 and 主轴; Result.Relaxed
// says so). Words with synonyms
// (减速机/减速器, 建行/建设银行 …) match any of them. Also:
//
//	液压 OR 气动            either
//	"主轴冷却"              a phrase (titles and abstracts)
//	-焊接, NOT 焊接         without
//	(液压 OR 气动) 阀       grouping
//	title:主轴, 标题：主轴   one field (Chinese names of fields work too)
//	type:invention         a filter field, see Fields
//	filing_date:>=2015     comparisons (>, >=, <, <=) and ranges a..b
//
// Full-width quotes, parentheses, colons and spaces work as their ASCII
// forms. Filters (Request.Filters) take the same names and values: several
// values of a keyword filter separated by commas mean any of them; dates
// are YYYY, YYYY-MM or YYYY-MM-DD and ranges "a..b" with either end open;
// numbers may use 万 and 亿. Codes filter at any level of their hierarchy
// (IPC B, B23, B23K, B23K9/00, B23K9/013; region 44, 4412, 441204 or a
// name; GB/T 4754 C, C34, C342, C3425). Product filters say what an
// enterprise needs: amount and term within the product's range, a region
// it serves, an industry or IPC code it accepts, a patent type it takes.
//
// Mistakes (syntax, unknown fields, facets or sorts, bad values, sizes,
// pages beyond MaxWindow) are data.Error values with CodeMalformed whose
// message says what to change. A date outside the years 1678–2261 is
// CodeInvalid, and so is a query over the cost budget (budget.go): more
// than 4 single Chinese characters or 128 index terms, more than 10,000
// term searchers in bleve, or a search running past 5 s. A search stops
// when its context is done.
//
// # Facets
//
// Facets are counted apart from the ranked search: exactly for up to a few
// thousand hits, on a systematic sample of the hits beyond that (marked
// Sampled), and cached per request until the index changes; see facets.go.
//
// Patents and enterprises are counted by region at three levels,
// region_province, region_city and region_district (RegionFacetsDoc says
// it for the API). A record counts under every level its region reaches:
// a district's record under the district, its city and its province; a
// record whose address names only a city (440100, or 上海市闸北区, whose
// district is gone) under the city and province, and as Missing at
// district level; one naming only a province (香港, 台湾, or 江苏省 with
// no known city) under the province only. The facets region and city are
// the former names of region_district and region_city. Labels name a
// district with its city (北京市朝阳区, not 朝阳区; data.RegionLabel).
//
// # Scope
//
// Request.Scope restricts the hits to what a caller may see (owners of
// patents, enterprises, banks of products, active products). It is part
// of the query, so totals and facet counts only count what the caller may
// see, and relaxation is decided within it. Scope.SharedFinancialsOnly
// applies the consent rule to financial fields (consent.go). Package api
// decides the scope of each role.
//
// # Samples
//
// SamplePatents returns the titles and abstracts of a systematic sample of
// the patents a request matches (every k-th hit in the index's order),
// with their total, for the technology clusters of a landscape report;
// TextTerms and ContentTerms cut text as the index cuts it (sample.go).
//
// # Relevance and speed
//
// testdata/relevance.json holds judged queries over the demo data and the
// real CNIPA records; TestRelevance reports precision@10 and nDCG@10 and
// fails below a floor. BenchmarkIndex100k compares indexing with plain
// bleve; BenchmarkQueries reports query latency percentiles.
package search
