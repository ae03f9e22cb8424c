"""Who holds which interest, in this process's memory, for the ranking.

A ranking asks: of everyone sharing an interest with the viewer, who has the
highest sum of the shared interests' weights (domain.ranking)? Answered in
SQL it costs a query plan per request and a row per candidate; here it is a
few array operations over posting lists, one sorted array of person ids per
interest, holding active people only.

Freshness. The store counts every change to anyone's interests or standing
on a clock (migration v27). Before each ranking the index reads the clock;
if it moved, the people changed since are read again and the posting lists
patched, so a change made by any process shows in the very next ranking of
every process. Requests, matches and blocks are not indexed: they are read
per ranking (store.suggestions.partners).

Finding the top without scoring everyone who shares a popular interest: the
viewer's interests are taken rarest first (heaviest weights, shortest lists).
People reached through the first few are scored; the ``limit``-th best full
score among the most promising of them is a floor the answer must reach.
Anyone holding none of the first ``t`` interests scores at most the sum of
the weights left out, so ``t`` is chosen to put that sum below the floor;
the remaining interests are then checked only for people who could still
reach it. The answer is exact: the same top as scoring everyone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.ranking import packed_weight
from store import interests, ranking_changes, users
from store.database import Database

Ids = NDArray[np.int32]
Totals = NDArray[np.int64]

# Person ids read per statement while loading: a page of rows, not the table.
_LOAD_PAGE = 10_000
# People changed since the last look past which a full reload is cheaper
# than patching (each patch copies the posting lists it touches).
_RELOAD_ABOVE = 20_000
# Rows per IN (...) list: within both databases' limits on parameters.
_CHUNK = 500
# Holders of the first interests scored up front; more costs time on
# everyone, fewer risks a floor too low to prune with.
_FIRST_ROWS = 4_000
# People scored in full to set the floor.
_PROBE = 100
# A list longer than this share of everyone gets a mask by person id.
_DENSE_SHARE = 1 / 32
# A filter interest this rare is cheapest scored whole.
_DIRECT_FILTER_ROWS = 20_000
_EMPTY: Ids = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class Ranked:
    user_id: int
    # The packed total (domain.ranking.packed_weight): score, then count.
    total: int
    shared_ids: tuple[int, ...]


class InterestIndex:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._loaded = False
        self._seq = -1
        self._postings: dict[int, Ids] = {}
        self._names: dict[int, str] = {}
        self._ids: dict[str, int] = {}
        self._usernames: NDArray[np.bytes_] = np.zeros(1, dtype="S1")
        self._active: NDArray[np.bool_] = np.zeros(1, dtype=np.bool_)
        self._active_count = 0
        # What each person holds: compact arrays from the last full load
        # (person u's interests are _held_flat[_held_start[u]:_held_start[u + 1]]),
        # and what changed since.
        self._held_start: NDArray[np.int64] = np.zeros(2, dtype=np.int64)
        self._held_flat: Ids = _EMPTY
        self._held_since: dict[int, tuple[int, ...]] = {}
        # A mask by person id for each popular interest (a list longer than
        # _DENSE_SHARE of everyone): membership is then one lookup per
        # person. Made when first needed, patched with the list.
        self._masks: dict[int, NDArray[np.bool_]] = {}
        self._reached: NDArray[np.bool_] = np.zeros(1, dtype=np.bool_)
        self._marks: NDArray[np.bool_] = np.zeros(1, dtype=np.bool_)

    @property
    def population(self) -> int:
        return self._active_count

    async def refresh(self, db: Database, now: int | None = None) -> None:
        """Bring the index up to the store's latest committed change (the
        clock's value ``now`` if the caller has just read it)."""
        if now is None:
            async with db.lookup() as conn:
                now = await ranking_changes.clock(conn)
        if self._loaded and now == self._seq:
            return
        async with self._lock:
            if not self._loaded:
                await self._load(db)
            elif now != self._seq:
                await self._catch_up(db)

    # -- reading -------------------------------------------------------

    def interest_id(self, name: str) -> int | None:
        return self._ids.get(name)

    def interest_name(self, interest_id: int) -> str:
        return self._names[interest_id]

    def held(self, user_id: int) -> tuple[int, ...]:
        """The interests ``user_id`` holds, if active (nothing otherwise)."""
        if user_id >= len(self._active) or not self._active[user_id]:
            return ()
        if user_id in self._held_since:
            return self._held_since[user_id]
        if user_id + 1 >= len(self._held_start):
            return ()
        start, end = self._held_start[user_id], self._held_start[user_id + 1]
        return tuple(int(i) for i in self._held_flat[start:end])

    def holders(self, interest_id: int) -> int:
        return len(self._postings.get(interest_id, _EMPTY))

    def rank(self, viewer_id: int, excluded: list[int], only: int | None, limit: int) -> list[Ranked]:
        """The ``limit`` people sharing most with the viewer: highest packed
        total first, then by username; never the viewer nor ``excluded``;
        only holders of ``only`` when given."""
        mine = sorted(self.held(viewer_id), key=lambda i: (self.holders(i), i))
        if not mine:
            return []
        if len(self._marks) < len(self._active):
            self._marks = np.zeros(len(self._active), dtype=np.bool_)
        lists = [_List(self._postings[i], self._mask(i), self._marks) for i in mine]
        weights = np.array([packed_weight(self._active_count, len(p.ids)) for p in lists], dtype=np.int64)
        # rest[j]: the most anyone can total from mine[j:].
        rest = np.concatenate([np.cumsum(weights[::-1])[::-1], np.zeros(1, dtype=np.int64)])
        away = np.unique(np.array([viewer_id, *excluded], dtype=np.int32))
        only_list = _List(self._postings.get(only, _EMPTY), self._mask(only)) if only is not None else None
        if only_list is not None and len(only_list.ids) <= _DIRECT_FILTER_ROWS:
            # Everyone the filter allows, scored whole: nobody is left out.
            people = only_list.ids[~_List(away, None).holds(only_list.ids)]
            totals = _score(people, lists, weights, 0, len(lists))
            keep = totals > 0
            return self._best(people[keep], totals[keep], lists, mine, limit)
        first = _first_sources(lists)
        people, totals = self._reach(lists, weights, first, away, only_list)
        if first < len(lists):
            floor = _floor(people, totals, lists, weights, first, limit)
            taken = len(lists)
            if floor > 0:
                taken = max(first, next(j for j in range(1, len(lists) + 1) if rest[j] < floor))
            if taken > first:
                people, totals = self._reach(lists, weights, taken, away, only_list)
            for j in range(taken, len(lists)):
                # Drop whoever cannot reach the floor even holding every
                # interest not yet checked, then check the next for the rest.
                hopeful = totals + rest[j] >= floor
                people, totals = people[hopeful], totals[hopeful]
                totals = totals + np.where(lists[j].holds(people), weights[j], 0)
            reach = totals >= floor
            people, totals = people[reach], totals[reach]
        return self._best(people, totals, lists, mine, limit)

    def _reach(
        self, lists: list[_List], weights: Totals, sources: int, away: Ids, only: _List | None
    ) -> tuple[Ids, Totals]:
        """Everyone holding one of the first ``sources`` lists (by id), but
        not ``away`` and holding ``only`` if given, with their sums over those lists."""
        taken = lists[:sources]
        if all(found.mask is None for found in taken) and sum(len(f.ids) for f in taken) * 64 < len(self._active):
            people = np.unique(np.concatenate([found.ids for found in taken]))
        else:
            # Long lists: marks by person and one scan, not a merge.
            if len(self._reached) < len(self._active):
                self._reached = np.zeros(len(self._active), dtype=np.bool_)
            for found in taken:
                if found.mask is not None:
                    np.logical_or(self._reached[: len(found.mask)], found.mask, out=self._reached[: len(found.mask)])
                else:
                    self._reached[found.ids] = True
            people = np.flatnonzero(self._reached).astype(np.int32)
            self._reached[people] = False
        keep = ~_List(away, None).holds(people)
        if only is not None:
            keep &= only.holds(people)
        people = people[keep]
        return people, _score(people, lists, weights, 0, sources)

    def _mask(self, interest_id: int | None) -> NDArray[np.bool_] | None:
        if interest_id is None:
            return None
        found = self._postings.get(interest_id, _EMPTY)
        if len(found) <= _DENSE_SHARE * len(self._active):
            return None
        mask = self._masks.get(interest_id)
        if mask is None or len(mask) < len(self._active):
            mask = self._masks[interest_id] = np.zeros(len(self._active), dtype=np.bool_)
            mask[found] = True
        return mask

    def _best(self, people: Ids, totals: Totals, lists: list[_List], mine: list[int], limit: int) -> list[Ranked]:
        if len(people) > limit:
            last = np.partition(totals, len(totals) - limit)[len(totals) - limit]
            close = totals >= last
            people, totals = people[close], totals[close]
        # Highest total first, then username (lexsort's last key sorts first).
        order = np.lexsort((self._usernames[people], -totals))[:limit]
        people, totals = people[order], totals[order]
        holds = [found.holds(people) for found in lists]
        return [
            Ranked(
                int(person),
                int(total),
                tuple(interest for interest, held in zip(mine, holds, strict=True) if held[n]),
            )
            for n, (person, total) in enumerate(zip(people, totals, strict=True))
        ]

    # -- keeping in step ---------------------------------------------------

    async def _load(self, db: Database) -> None:
        async with db.read() as conn:
            seq = await ranking_changes.clock(conn)
            top = await users.highest_id(conn)
            names = await interests.names_above(conn, 0)
        people: list[tuple[int, str]] = []
        pages: list[NDArray[np.int32]] = []
        for first in range(1, top + 1, _LOAD_PAGE):
            last = first + _LOAD_PAGE - 1
            async with db.read() as conn:
                people += await users.active_between(conn, first, last)
                links = await interests.links_between(conn, first, last)
            if links:
                pages.append(np.array(links, dtype=np.int32))
        links_all = np.concatenate(pages) if pages else np.zeros((0, 2), dtype=np.int32)
        size = top + 1
        self._active = np.zeros(size, dtype=np.bool_)
        ids = np.array([person for person, _ in people], dtype=np.int64)
        self._active[ids] = True
        self._active_count = len(people)
        encoded = [name.encode() for _, name in people]
        width = max((len(name) for name in encoded), default=1)
        self._usernames = np.zeros(size, dtype=f"S{max(width, 1)}")
        if encoded:
            self._usernames[ids] = encoded
        # Rows come by person, then interest: person u's interests are a slice.
        holder, held = links_all[:, 0], links_all[:, 1]
        self._held_flat = held.copy()
        self._held_start = np.searchsorted(holder, np.arange(size + 1), side="left").astype(np.int64)
        self._held_since = {}
        # By interest, keeping each interest's holders in id order.
        by_interest = np.argsort(held, kind="stable")
        holders, kinds = holder[by_interest], held[by_interest]
        bounds = np.flatnonzero(np.diff(kinds)) + 1
        self._postings = {
            int(group_kinds[0]): group.copy()
            for group, group_kinds in zip(np.split(holders, bounds), np.split(kinds, bounds), strict=True)
            if len(group)
        }
        self._masks = {}
        self._names = names
        self._ids = {name: interest_id for interest_id, name in names.items()}
        self._seq = seq
        self._loaded = True

    async def _catch_up(self, db: Database) -> None:
        async with db.read() as conn:
            seq = await ranking_changes.clock(conn)
            changed = await ranking_changes.changed_since(conn, self._seq)
            if len(changed) > _RELOAD_ABOVE:
                changed = []
            standing: dict[int, tuple[str, bool]] = {}
            links: list[tuple[int, int]] = []
            for n in range(0, len(changed), _CHUNK):
                chunk = changed[n : n + _CHUNK]
                standing.update(await users.standing_of(conn, chunk))
                links += await interests.links_of(conn, chunk)
            new_names = await interests.names_above(conn, max(self._names, default=0))
        if not changed:
            # Too many to patch: start again.
            await self._load(db)
            return
        self._names.update(new_names)
        self._ids.update({name: interest_id for interest_id, name in new_names.items()})
        now_held: dict[int, list[int]] = {person: [] for person in changed}
        for person, interest_id in links:
            now_held[person].append(interest_id)
        for person in changed:
            username, active = standing.get(person, ("", False))
            self._apply(person, username, active, tuple(now_held[person]) if active else ())
        self._seq = seq

    def _apply(self, person: int, username: str, active: bool, now: tuple[int, ...]) -> None:
        before = set(self.held(person))
        self._grow(person)
        for interest_id in before - set(now):
            self._postings[interest_id] = _without(self._postings[interest_id], person)
            if interest_id in self._masks:
                self._masks[interest_id][person] = False
        for interest_id in set(now) - before:
            self._postings[interest_id] = _with(self._postings.get(interest_id, _EMPTY), person)
            if interest_id in self._masks:
                self._masks[interest_id][person] = True
        if active != bool(self._active[person]):
            self._active_count += 1 if active else -1
        self._active[person] = active
        self._held_since[person] = now
        if username:
            encoded = username.encode()
            if len(encoded) > self._usernames.dtype.itemsize:
                self._usernames = self._usernames.astype(f"S{len(encoded)}")
            self._usernames[person] = encoded

    def _grow(self, person: int) -> None:
        if person < len(self._active):
            return
        size = max(person + 1, len(self._active) * 2)
        self._masks = {}
        self._active = np.concatenate([self._active, np.zeros(size - len(self._active), dtype=np.bool_)])
        self._usernames = np.concatenate(
            [self._usernames, np.zeros(size - len(self._usernames), dtype=self._usernames.dtype)]
        )


def _floor(people: Ids, totals: Totals, lists: list[_List], weights: Totals, first: int, limit: int) -> int:
    """The ``limit``-th best full total among the most promising people
    reached so far: the answer's last place reaches at least this."""
    if len(people) < limit:
        return 0
    probe = np.argpartition(totals, len(totals) - _PROBE)[-_PROBE:] if len(totals) > _PROBE else slice(None)
    full = totals[probe] + _score(people[probe], lists, weights, first, len(lists))
    if len(full) < limit:
        return 0
    return int(np.partition(full, len(full) - limit)[len(full) - limit])


def _score(people: Ids, lists: list[_List], weights: Totals, start: int, end: int) -> Totals:
    """Each person's summed weights over ``lists[start:end]``."""
    totals = np.zeros(len(people), dtype=np.int64)
    for j in range(start, end):
        totals += np.where(lists[j].holds(people), weights[j], 0)
    return totals


@dataclass(frozen=True)
class _List:
    """One interest's holders: sorted ids, and a mask by id if it is popular."""

    ids: Ids
    mask: NDArray[np.bool_] | None
    # A scratch mask by person id, all False between uses (shared by the
    # index's lists): for many people against a list, marking the list and
    # looking each up costs less than searching for each.
    marks: NDArray[np.bool_] | None = None

    def holds(self, people: Ids) -> NDArray[np.bool_]:
        """For each of ``people``, whether it is in this list."""
        if self.mask is not None:
            return np.asarray(self.mask[people])
        if len(self.ids) == 0 or len(people) == 0:
            return np.zeros(len(people), dtype=np.bool_)
        if self.marks is not None and len(people) * 8 > len(self.ids):
            self.marks[self.ids] = True
            found = self.marks[people]
            self.marks[self.ids] = False
            return found
        at = np.minimum(np.searchsorted(self.ids, people), len(self.ids) - 1)
        return np.asarray(self.ids[at] == people)


def _first_sources(lists: list[_List]) -> int:
    """The rarest lists whose lengths add up to at most _FIRST_ROWS (at least one)."""
    rows = 0
    for taken, found in enumerate(lists):
        rows += len(found.ids)
        if rows > _FIRST_ROWS:
            return max(1, taken)
    return len(lists)


def _with(sorted_ids: Ids, person: int) -> Ids:
    at = int(np.searchsorted(sorted_ids, person))
    if at < len(sorted_ids) and sorted_ids[at] == person:
        return sorted_ids
    return np.insert(sorted_ids, at, person).astype(np.int32)


def _without(sorted_ids: Ids, person: int) -> Ids:
    at = int(np.searchsorted(sorted_ids, person))
    if at < len(sorted_ids) and sorted_ids[at] == person:
        return np.delete(sorted_ids, at)
    return sorted_ids
