"""Matching benchmark: ``python -m bench.matching``; prints one JSON object.

1. Generates, from one seed, 200 open challenges, 5,000 start-up profiles (a
   profile of about 50 words, up to three past proposals of about 120) and a
   pilot round of 500 start-ups and 100 challenges; texts are sentences built
   from the smart-city vocabulary of ``bench.datagen`` (60% Italian, 40%
   English), themes are the eight of the site.
2. ``recommend_startup_ms``: one start-up against the 200 open challenges
   (``recommend_challenges``); ``recommend_challenge_ms``: one challenge against
   the 5,000 start-ups (``recommend_startups``). Median over several queries,
   after one warm-up call (a running site has its word caches warm; the first,
   cold call is reported too).
3. ``pilot_matching_s``: the optimal matching, the stable matching and their
   comparison, for 500 start-ups shortlisted for 1 to 10 of the 100 challenges
   (1 to 3 pilot slots each); median of three runs. ``pilot_matching_dense_s``:
   the same with every start-up scored for every challenge (50,000 pairs).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time

from alliance.matching import pilots
from alliance.matching.recommend import Item, Profile, recommend_challenges, recommend_startups
from bench import datagen

N_CHALLENGES, N_STARTUPS = 200, 5000
PILOT_STARTUPS, PILOT_CHALLENGES = 500, 100
TARGETS = {"recommend_startup_ms": 100, "recommend_challenge_ms": 500, "pilot_matching_s": 2}
THEME_IDS = {slug: i + 1 for i, slug in enumerate(datagen.THEMES)}


class Data:
    """Texts and a pilot round from one seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def text(self, theme: str, words: int) -> str:
        rng = self.rng
        lang = 0 if rng.random() < 0.6 else 1
        sentences, count = [], 0
        while count < words:
            pool = datagen.TOPICS[theme if rng.random() < 0.75 else rng.choice(list(THEME_IDS))]
            topic, topic2 = rng.sample(pool[lang], 2)
            sentence = rng.choice(datagen.SENTENCES[lang]).format(
                topic=topic, topic2=topic2, tech=rng.choice(datagen.TECH[lang]),
                place=rng.choice(datagen.PLACES), verb=rng.choice(datagen.VERBS[lang]))
            sentences.append(sentence)
            count += len(sentence.split())
        return " ".join(sentences)

    def themes(self) -> list[str]:
        return self.rng.sample(list(THEME_IDS), self.rng.choice([1, 1, 2, 2, 3]))

    def challenges(self, n: int) -> list[Item]:
        found = []
        for i in range(1, n + 1):
            themes = self.themes()
            found.append(Item(i, self.text(themes[0], 100),
                              frozenset(THEME_IDS[t] for t in themes)))
        return found

    def startups(self, n: int) -> list[Profile]:
        found = []
        for i in range(1, n + 1):
            themes = self.themes()
            past = tuple(self.text(self.rng.choice(themes), 120)
                         for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3])))
            found.append(Profile(self.text(themes[0], 50),
                                 frozenset(THEME_IDS[t] for t in themes), past, id=i))
        return found

    def pilot_round(self, n_startups: int, n_challenges: int, dense: bool = False) -> dict:
        """Scores (0-100, two decimals) for the shortlisted pairs, pilot slots, the
        start-ups' rankings (their own taste: the score plus noise) and the
        committees' (by score)."""
        rng = self.rng
        challenges = list(range(1, n_challenges + 1))
        scores = {}
        for s in range(1, n_startups + 1):
            chosen = challenges if dense else rng.sample(
                challenges, rng.randint(1, min(10, n_challenges)))
            for c in chosen:
                scores[(s, c)] = round(rng.uniform(40, 95), 2)
        slots = {c: rng.choice([1, 1, 2, 2, 3]) for c in challenges}
        startup_prefs: dict = {}
        challenge_prefs: dict = {}
        for (s, c), score in scores.items():
            startup_prefs.setdefault(s, []).append((score + rng.gauss(0, 15), c))
            challenge_prefs.setdefault(c, []).append((score, s))
        return {
            "scores": scores, "slots": slots,
            "startup_prefs": {s: [c for _v, c in sorted(p, key=lambda x: (-x[0], x[1]))]
                              for s, p in startup_prefs.items()},
            "challenge_prefs": {c: [s for _v, s in sorted(p, key=lambda x: (-x[0], x[1]))]
                                for c, p in challenge_prefs.items()},
        }


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def pilot_matching(data: dict) -> dict:
    optimal = pilots.optimal_matching(scores=data["scores"], slots=data["slots"])
    stable = pilots.stable_matching(startup_prefs=data["startup_prefs"],
                                    challenge_prefs=data["challenge_prefs"],
                                    slots=data["slots"], scores=data["scores"])
    comparison = pilots.compare(optimal, stable, scores=data["scores"],
                                startup_prefs=data["startup_prefs"],
                                challenge_prefs=data["challenge_prefs"])
    return {"pairs": len(data["scores"]), "optimal_pilots": len(optimal.pairs),
            "stable_pilots": len(stable.pairs), "optimal_total": optimal.total_score,
            "stable_total": stable.total_score, "score_cost": comparison.score_cost,
            "blocking_pairs_optimal": len(comparison.blocking_optimal),
            "blocking_pairs_stable": len(comparison.blocking_stable)}


def run(*, seed: int = datagen.SEED, queries: int = 15, scale: float = 1.0, log=None) -> dict:
    """The figures; ``scale`` shrinks every size (for a quick check)."""
    def say(message):
        if log:
            log(message)

    def size(n: int) -> int:
        return max(2, round(n * scale))

    data = Data(seed)
    started = time.perf_counter()
    challenges = data.challenges(size(N_CHALLENGES))
    startups = data.startups(size(N_STARTUPS))
    pilot_sizes = size(PILOT_STARTUPS), size(PILOT_CHALLENGES)
    rounds = {"sparse": data.pilot_round(*pilot_sizes),
              "dense": data.pilot_round(*pilot_sizes, dense=True)}
    figures: dict = {"data_build_s": round(time.perf_counter() - started, 2)}
    say(f"data built in {figures['data_build_s']} s")

    say(f"one start-up against {len(challenges)} challenges")
    cold = _ms(lambda: recommend_challenges(startups[0], challenges, 10))
    times = [_ms(lambda s=s: recommend_challenges(s, challenges, 10))
             for s in startups[1:max(2, queries + 1)]]
    figures["recommend_startup_ms"] = round(statistics.median(times), 1)
    figures["recommend_startup_cold_ms"] = round(cold, 1)

    say(f"one challenge against {len(startups)} start-ups")
    cold = _ms(lambda: recommend_startups(challenges[0], startups, 10))
    times = [_ms(lambda c=c: recommend_startups(c, startups, 10))
             for c in challenges[1:max(2, queries // 2) + 1]]
    figures["recommend_challenge_ms"] = round(statistics.median(times), 1)
    figures["recommend_challenge_cold_ms"] = round(cold, 1)

    for name, key in (("sparse", "pilot_matching_s"), ("dense", "pilot_matching_dense_s")):
        say(f"pilot matching, {name}: {len(rounds[name]['scores'])} pairs")
        times, outcome = [], None
        for _ in range(3):
            started = time.perf_counter()
            outcome = pilot_matching(rounds[name])
            times.append(time.perf_counter() - started)
        figures[key] = round(statistics.median(times), 3)
        figures[f"{key.removesuffix('_s')}_details"] = outcome
    figures["sizes"] = {"challenges": len(challenges), "startups": len(startups),
                        "pilot_startups": pilot_sizes[0], "pilot_challenges": pilot_sizes[1]}
    figures["targets"] = TARGETS
    figures["within_targets"] = all(figures[k] <= v for k, v in TARGETS.items())
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=datagen.SEED)
    parser.add_argument("--queries", type=int, default=15, help="recommendation queries")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every size (the targets are for 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    log = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(run(seed=args.seed, queries=args.queries, scale=args.scale, log=log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
