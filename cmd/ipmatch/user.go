package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"ipmatch/data"
)

// runUser handles "ipmatch user create": a user who signs in to the web
// pages with a username and password. The password is read from stdin (one
// line; without echo when stdin is a terminal), never from a flag, so it
// stays out of shell history and process listings.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError("want: ipmatch user create --username NAME --role ROLE (password on standard input)")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	username := fs.String("username", "", "sign-in name: 3-64 characters of a-z, 0-9, '.', '_' or '-'")
	role := fs.String("role", "", "organizer, bank or enterprise")
	bank := fs.String("bank", "", "bank ID (for --role bank)")
	ent := fs.String("enterprise", "", "enterprise ID (for --role enterprise)")
	label := fs.String("label", "", "who the user is")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return usageError("--username is required")
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(stderr)
	store, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, store = auditCLI(ctx, store, logger, data.NodeName(), "user create --username "+*username)
	u := data.User{Username: *username, Role: data.Role(*role), BankID: *bank, EnterpriseID: *ent, Label: *label}
	if err := createUser(ctx, store, &u, password); err != nil {
		return fmt.Errorf("%v", err)
	}
	fmt.Fprintln(stdout, u.ID)
	return nil
}

// readPassword reads one line from in: with a prompt and without echo when
// in is a terminal.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// createUser checks the password's length, that the username is free and
// that the bank or enterprise the user is bound to exists, then stores u
// with a bcrypt hash of password at data.PasswordCost and sets u.ID.
func createUser(ctx context.Context, store data.Store, u *data.User, password string) error {
	if n := utf8.RuneCountInString(password); n < data.MinPasswordLength {
		return data.Errorf(data.CodeInvalid, "password: must be at least %d characters (got %d)", data.MinPasswordLength, n)
	}
	if len(password) > 72 { // bcrypt reads no further
		return data.Errorf(data.CodeInvalid, "password: must be at most 72 bytes")
	}
	u.Normalize()
	if u.Username != "" {
		switch _, err := store.Users().GetByKey(ctx, u.Username); data.ErrorCode(err) {
		case "":
			return data.Errorf(data.CodeConflict, "username %q is already taken", u.Username)
		case data.CodeNotFound, data.CodeInvalid:
		default:
			return err
		}
	}
	if err := data.CheckRefs(ctx, store, data.UserKind, []*data.User{u}); err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), data.PasswordCost)
	if err != nil {
		return err
	}
	u.PasswordHash = string(h)
	// Create, not Put: a user of the same name made meanwhile (another
	// command, another host) is a conflict, not a password overwritten.
	err = store.Users().Create(ctx, u)
	if data.ErrorCode(err) == data.CodeConflict {
		return data.Errorf(data.CodeConflict, "username %q is already taken", u.Username)
	}
	return err
}
