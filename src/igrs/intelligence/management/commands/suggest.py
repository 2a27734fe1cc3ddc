"""`igrs suggest`: category suggestions from the command line.

igrs suggest < texts.txt                     one JSON line per text read
igrs suggest --evaluate FILE [FILE …]        top-1/top-3 accuracy and confusions
igrs suggest --retrain [--evaluate FILE …]   rebuild from corpus + corrections (and show
                                             the evaluation before and after)
igrs suggest --recorded [--days N]           how the suggestions shown in production fared
"""

import datetime as dt
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core import clock
from igrs.core.errors import Invalid
from igrs.intelligence import corpus, engine, selectors, services


@dataclass
class Evaluation:
    total: int = 0
    top1: int = 0
    top3: int = 0
    confusions: Counter = field(default_factory=Counter)
    missed: Counter = field(default_factory=Counter)  # per true category, not top-1
    seen: Counter = field(default_factory=Counter)

    def add(self, code: str, ranked: list[str]) -> None:
        self.total += 1
        self.seen[code] += 1
        if ranked[:1] == [code]:
            self.top1 += 1
        else:
            self.missed[code] += 1
            self.confusions[(code, ranked[0] if ranked else "—")] += 1
        if code in ranked[:3]:
            self.top3 += 1

    def line(self, name: str) -> str:
        share = (lambda n: f"{100 * n / self.total:.1f}%") if self.total else (lambda n: "—")
        return _("%(name)s: %(n)d texts, top-1 %(top1)s, top-3 %(top3)s") % {
            "name": name,
            "n": self.total,
            "top1": share(self.top1),
            "top3": share(self.top3),
        }


class Command(BaseCommand):
    help = gettext_lazy(
        "Suggest complaint categories for texts read on standard input (one a "
        "line, one JSON line out each); evaluate on labelled files; retrain."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse formats plain strings only
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--evaluate",
            nargs="+",
            metavar="FILE",
            type=Path,
            help=str(gettext_lazy("text<TAB>category_code files to measure")),
        )
        parser.add_argument(
            "--retrain",
            action="store_true",
            help=str(gettext_lazy("rebuild the model from the corpus and the desk's corrections")),
        )
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help=str(
                gettext_lazy(
                    "with --retrain: only when there is no model "
                    "or it was built from another corpus"
                )
            ),
        )
        parser.add_argument(
            "--recorded",
            action="store_true",
            help=str(
                gettext_lazy("accuracy of the suggestions shown before complaints were filed")
            ),
        )
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--limit", type=int, default=services.MAX_RANKED)

    def handle(
        self,
        *args,
        evaluate=None,
        retrain=False,
        if_stale=False,
        recorded=False,
        days=30,
        limit=services.MAX_RANKED,
        **options,
    ):
        if recorded:
            return self._recorded(days)
        samples = [self._read(path) for path in evaluate or []]
        if retrain:
            if samples:
                self._evaluate(evaluate, samples, _("before retraining"))
            self._retrain(only_if_stale=if_stale)
        if samples:
            self._evaluate(evaluate, samples, _("after retraining") if retrain else "")
        elif not retrain:
            self._suggest_stdin(limit)

    def _model(self) -> engine.Model:
        if not engine.is_current():
            self.stderr.write(_("No model built from this corpus yet: building it …"))
            self._retrain()
        return engine.loaded()

    def _retrain(self, only_if_stale: bool = False) -> None:
        started = time.monotonic()
        result = services.retrain(only_if_stale)
        if result is None:
            return
        self.stderr.write(
            _(
                "Model %(version)s built from %(n)d examples (%(c)d corrections by "
                "the desk) in %(s).1f s: %(path)s"
            )
            % {
                "version": result.version,
                "n": result.examples,
                "c": result.corrections,
                "s": time.monotonic() - started,
                "path": result.path,
            }
        )

    def _suggest_stdin(self, limit: int) -> None:
        model = self._model()
        for line in sys.stdin:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            try:
                ranked = services.rank(model, services.clean_text(text), limit)
            except Invalid as error:
                out = {"text": text, "error": error.describe()}
            else:
                out = {
                    "text": text,
                    "suggestions": [{"code": s.category.code, "score": s.score} for s in ranked],
                }
            self.stdout.write(json.dumps(out, ensure_ascii=False))

    def _read(self, path: Path) -> list[corpus.Example]:
        try:
            return corpus.read_file(path)
        except (OSError, corpus.CorpusError) as error:
            raise CommandError(str(error)) from error

    def _evaluate(self, paths, samples, when: str) -> None:
        model = self._model()
        total = Evaluation()
        heading = _("Model %(version)s") % {"version": model.version}
        self.stdout.write(f"{heading} — {when}" if when else heading)
        for path, examples in zip(paths, samples, strict=True):
            evaluation = Evaluation()
            for example in examples:
                ranked = [s.category.code for s in services.rank(model, example.text, 3)]
                evaluation.add(example.code, ranked)
                total.add(example.code, ranked)
            self.stdout.write("  " + evaluation.line(str(path)))
        if len(samples) > 1:
            self.stdout.write("  " + total.line(_("all")))
        self._confusions(total)

    def _confusions(self, evaluation: Evaluation) -> None:
        unknown = sorted(set(evaluation.seen) - set(selectors.suggestible_categories()))
        if unknown:
            self.stdout.write(
                "  "
                + _("Codes not suggestible here (inactive or unknown): %s") % ", ".join(unknown)
            )
        if not evaluation.confusions:
            return
        self.stdout.write("  " + _("Most frequent confusions (true → suggested first):"))
        for (true, predicted), count in sorted(
            evaluation.confusions.items(), key=lambda item: (-item[1], item[0])
        )[:10]:
            self.stdout.write(f"    {true} → {predicted}: {count}")
        self.stdout.write(
            "  "
            + _("Top-1 misses by category:")
            + " "
            + ", ".join(
                f"{code} {evaluation.missed[code]}/{evaluation.seen[code]}"
                for code in sorted(evaluation.missed, key=lambda c: (-evaluation.missed[c], c))
            )
        )

    def _recorded(self, days: int) -> None:
        since = clock.now() - dt.timedelta(days=days)
        result = selectors.recorded_accuracy(since)
        share = (
            (lambda n: f"{100 * n / result.recorded:.1f}%") if result.recorded else (lambda n: "—")
        )
        self.stdout.write(
            _(
                "Last %(days)d days: %(n)d complaints filed after a suggestion; the "
                "category filed was the first suggestion in %(top1)s, among the "
                "first three in %(top3)s; chosen by pressing a suggestion in "
                "%(picked)s."
            )
            % {
                "days": days,
                "n": result.recorded,
                "top1": share(result.top1),
                "top3": share(result.top3),
                "picked": share(result.picked),
            }
        )
