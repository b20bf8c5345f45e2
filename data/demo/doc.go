// Package demo is ipmatch's committed demo dataset: a recreation of the
// 2021-04-23 "高要区装备制造业专利导航成果发布暨知识产权质押融资银企对接会"
// that 广东股权交易中心 ran in 肇庆市高要区 (region 441204), with Zhaoqing's
// 5,000,000-yuan risk-compensation pool, the Zhaoqing branches of real banks,
// loan products whose criteria follow published ones, and equipment
// manufacturers (装备制造业) with their patent portfolios, event
// registrations and deals.
//
// The event, the pool's size, manager and start, the banks and the first
// 3,500,000-yuan pledge loan follow the public report of that day. Everything
// else is synthetic: the enterprises, their credit codes, financials and
// patents, the products' exact figures, the participants and the deals are
// made up from word lists and a seeded random generator. Region codes
// (NBS), industry codes (GB/T 4754-2017), IPC codes and the check characters
// of credit codes and application numbers are real and valid, so every
// record passes its Validate rules; names may coincide with real companies
// or people only by accident.
//
// Generate builds the dataset deterministically from a seed. The dataset of
// DefaultSeed is committed as JSON Lines files (one per kind, in load order
// Kinds) embedded in the package and returned by File; TestFilesUpToDate
// keeps them in step with Generate (go test ./data/demo -run
// TestFilesUpToDate -update rewrites them). The "as of" day of the data is
// the event day, AsOf: legal statuses, paid fees and deal histories are those
// of 2021-04-23.
//
// GenerateEnterprises and GeneratePatents make large synthetic sets with the
// same vocabulary for benchmarks.
package demo
