package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"ipmatch/data"
	"ipmatch/search"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	kind := fs.String("kind", "", "record kind, e.g. patents")
	format := fs.String("format", "jsonl", "jsonl, csv, cnipa-csv or cnipa-legal-csv")
	batch := fs.Int("batch", 1000, "records per transaction")
	indexFlag := new(string)
	addIndexFlag(fs, indexFlag)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *kind == "" {
		return usageError("--kind is required")
	}
	if fs.NArg() != 1 {
		return usageError("give exactly one FILE (or - for standard input)")
	}
	var in io.Reader = os.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	logger := newLogger(stderr)
	raw, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	// Import through the search index so that it stays in step with the
	// store (a replaced record leaves the counts equal, which a later start
	// could not notice). The index is held by a running server.
	idx, err := openIndex(ctx, indexDir(*indexFlag, sc), raw, logger, progressOut(stderr), false)
	if err != nil {
		raw.Close()
		return fmt.Errorf("%w; while ipmatch serve runs on this store, import through the API (POST /api/v1/import/%s) or stop the server first", err, *kind)
	}
	store := search.Wrap(raw, idx) // closing it closes the index and the store
	defer store.Close()
	ctx, store = auditCLI(ctx, store, logger, idx.Node(), "import --kind "+*kind)
	rep, err := data.Import(ctx, store, bufio.NewReaderSize(in, 1<<20), data.ImportOptions{Kind: *kind, Format: *format, BatchSize: *batch})
	if err != nil {
		return commandError(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if len(rep.Rejected) > 0 {
		return errRejected
	}
	return nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	kind := fs.String("kind", "", "record kind, e.g. patents")
	format := fs.String("format", "jsonl", "jsonl or csv")
	out := fs.String("out", "-", "output file, - for standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *kind == "" {
		return usageError("--kind is required")
	}
	store, err := openStore(ctx, sc, newLogger(stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := data.Export(ctx, store, bw, *kind, *format); err != nil {
		return commandError(err)
	}
	return bw.Flush()
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError("want: ipmatch token create --role ROLE")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	role := fs.String("role", "", "organizer, bank or enterprise")
	bank := fs.String("bank", "", "bank ID (for --role bank)")
	ent := fs.String("enterprise", "", "enterprise ID (for --role enterprise)")
	label := fs.String("label", "", "who the token is for")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	logger := newLogger(stderr)
	store, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, store = auditCLI(ctx, store, logger, data.NodeName(), "token create --role "+*role)
	t := data.Token{Role: data.Role(*role), BankID: *bank, EnterpriseID: *ent, Label: *label}
	if t.Label == "" {
		t.Label = "cli " + *role
	}
	secret, err := createToken(ctx, store, t)
	if err != nil {
		return fmt.Errorf("%v", err)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// createToken stores a token for t's role and binding, after checking that
// the bank or enterprise it is bound to exists, and returns the secret.
func createToken(ctx context.Context, store data.Store, t data.Token) (string, error) {
	if err := data.CheckRefs(ctx, store, data.TokenKind, []*data.Token{&t}); err != nil {
		return "", err
	}
	secret := data.NewTokenSecret()
	t.Hash = data.HashToken(secret)
	if _, err := store.Tokens().Put(ctx, &t); err != nil {
		return "", err
	}
	return secret, nil
}
