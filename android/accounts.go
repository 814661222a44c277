package android

import (
	"context"
	"slices"

	"github.com/unbind/unbind/agent"
)

// accountForm is one way of listing accounts.
type accountForm struct {
	argv  []string
	parse func([]byte) (AccountDump, error)
	names bool
}

var (
	checkinForm = accountForm{argv: []string{"dumpsys", "account", "--checkin"}, parse: ParseAccountCheckin}
	fullForm    = accountForm{argv: []string{"dumpsys", "account"}, parse: ParseAccountDump, names: true}
)

// accountsRead is the outcome of reading every user's accounts.
type accountsRead struct {
	users    []agent.UserAccounts
	problems []agent.Problem
	// hasMi: a Mi account was seen, even in a block that was not read to
	// its end.
	hasMi bool
	// authenticators: the account types' packages, when the full dump was
	// read.
	authenticators map[string]string
}

// dumpRead is one form's answer.
type dumpRead struct {
	form accountForm
	dump AccountDump
	err  error // the whole answer failed
}

// readAccounts lists every user's accounts with the preferred form and falls
// back to the other for whatever the first left unanswered. users is pm's
// list (nil when pm failed); a user it names that neither form lists is a
// problem, since a cut at a block boundary would otherwise hide it.
func (d *Device) readAccounts(ctx context.Context, users []UserInfo) accountsRead {
	first, second := checkinForm, fullForm
	if d.cfg.AccountNames {
		first, second = fullForm, checkinForm
	}
	reads := []dumpRead{d.readDump(ctx, first)}
	if !complete(reads[0], users) && ctx.Err() == nil {
		d.log.Info("account list incomplete; trying the other form",
			logKeyCheck, shellJoin(first.argv), logKeyReason, Reason(firstErr(reads[0])))
		reads = append(reads, d.readDump(ctx, second))
	}
	return d.mergeAccounts(reads, users)
}

func (d *Device) readDump(ctx context.Context, f accountForm) dumpRead {
	res, err := d.run(ctx, f.argv...)
	if err != nil {
		return dumpRead{form: f, err: err}
	}
	dump, err := f.parse(res.Stdout)
	if err = explain(res, err); err != nil {
		return dumpRead{form: f, err: err}
	}
	return dumpRead{form: f, dump: dump}
}

// complete reports whether one read answered for every user.
func complete(r dumpRead, users []UserInfo) bool {
	if r.err != nil {
		return false
	}
	seen := map[int]bool{}
	for _, u := range r.dump.Users {
		if u.Err != nil {
			return false
		}
		seen[u.User.ID] = true
	}
	for _, u := range users {
		if !seen[u.ID] {
			return false
		}
	}
	return users != nil
}

// firstErr returns the whole-answer error, or the first block's.
func firstErr(r dumpRead) error {
	if r.err != nil {
		return r.err
	}
	for _, u := range r.dump.Users {
		if u.Err != nil {
			return u.Err
		}
	}
	return ErrUserMissing
}

// mergeAccounts takes each user's list from the first read that has it
// complete. A user no read completed is a problem, explained preferably by
// the full dump, whose failures say more than the checkin form's.
func (d *Device) mergeAccounts(reads []dumpRead, users []UserInfo) accountsRead {
	var out accountsRead
	ids := []int{}
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	for _, r := range reads {
		if r.dump.Authenticators != nil {
			out.authenticators = r.dump.Authenticators
		}
		for _, u := range r.dump.Users {
			out.hasMi = out.hasMi || hasType(u.Accounts, agent.AccountTypeXiaomi)
			if u.User.ID >= 0 {
				ids = append(ids, u.User.ID)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)

	explainer := reads[0]
	if len(reads) > 1 && !reads[0].form.names {
		explainer = reads[1]
	}
	if len(ids) == 0 || allFailed(reads) {
		out.problems = append(out.problems, d.problem(CheckAccounts, nil, firstErr(explainer)))
		return out
	}
	for _, id := range ids {
		if u, ok := d.cleanBlock(reads, id); ok {
			out.users = append(out.users, u)
			continue
		}
		out.problems = append(out.problems, d.problem(CheckAccounts, intPtr(id), blockErr(explainer, id)))
	}
	if users == nil && hasUnnamedBlock(reads) {
		// Without pm's list nothing tells which user the unreadable block was.
		out.problems = append(out.problems, d.problem(CheckAccounts, nil, ErrUnrecognized))
	}
	return out
}

// cleanBlock returns user id's accounts from the first read that has them
// complete, without names unless names were asked for.
func (d *Device) cleanBlock(reads []dumpRead, id int) (agent.UserAccounts, bool) {
	for _, r := range reads {
		if r.err != nil {
			continue
		}
		for _, u := range r.dump.Users {
			if u.User.ID != id || u.Err != nil {
				continue
			}
			accs := make([]agent.RawAccount, len(u.Accounts))
			for i, a := range u.Accounts {
				accs[i] = agent.RawAccount{Type: a.Type}
				if d.cfg.AccountNames {
					accs[i].Name = a.Name
				}
			}
			return agent.UserAccounts{UserID: id, UserName: u.User.Name, Accounts: accs}, true
		}
	}
	return agent.UserAccounts{}, false
}

// blockErr explains why user id's block is unusable in r.
func blockErr(r dumpRead, id int) error {
	if r.err != nil {
		return r.err
	}
	for _, u := range r.dump.Users {
		if u.User.ID == id && u.Err != nil {
			return u.Err
		}
	}
	return ErrUserMissing
}

func allFailed(reads []dumpRead) bool {
	for _, r := range reads {
		if r.err == nil {
			return false
		}
	}
	return true
}

func hasUnnamedBlock(reads []dumpRead) bool {
	for _, r := range reads {
		for _, u := range r.dump.Users {
			if u.User.ID < 0 {
				return true
			}
		}
	}
	return false
}

func hasType(accs []agent.RawAccount, typ string) bool {
	for _, a := range accs {
		if a.Type == typ {
			return true
		}
	}
	return false
}
