"""neurodl.data, chapter 07's sequences: Jane Austen's novels, Japanese vowels, VADER sentiment.

As in test_data.py, the error paths run on copies in a temporary folder with the real
search path redirected there, so nothing the user has is touched. Small stand-ins for the
R data are written with ``rdata`` (the same library the loader reads them with), so the
layouts and the checksum are tested without R and in well under a second each.
"""

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from neurodl import data
from neurodl.data import DatasetIntegrityError, DatasetNotFoundError

ROOT = Path(__file__).resolve().parent.parent
R_NAMES = [novel.r_name for novel in data._AUSTEN]


@pytest.fixture(scope="session")
def austen_dir() -> Path:
    folder = data.find_austen()
    if folder is None:
        message = (
            "Jane Austen's novels (R package janeaustenr) are not installed: "
            "cd $(mktemp -d) && apt-get download r-cran-janeaustenr && "
            f"dpkg-deb -x r-cran-janeaustenr_*.deb {ROOT / 'data' / 'janeaustenr'}  (see data/README.md)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run unpacks it, so its absence there is a failure
        pytest.skip(message)
    return folder


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Point every place the Austen loader looks at empty folders inside tmp_path."""
    repo = tmp_path / "repo_data"
    repo.mkdir()
    monkeypatch.setattr(data, "REPO_DATA_DIR", repo)
    monkeypatch.setattr(data, "AUSTEN_SYSTEM_DIRS", (tmp_path / "usr_lib_R", tmp_path / "usr_local_lib_R"))
    monkeypatch.delenv("NEURODL_DATA", raising=False)
    return tmp_path


def _serialize(obj) -> bytes:
    """R's serialisation of ``obj`` (an .rds file is exactly this, gzip-compressed)."""
    import rdata

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.rds"
        rdata.write_rds(path, obj)
        return gzip.decompress(path.read_bytes())


def _write_lazyload(package: Path, texts: dict[str, str]) -> Path:
    """An installed R package's data/Rdata.rdb + Rdata.rdx holding ``texts`` (R name -> text)."""
    rdb, variables = bytearray(), {}
    for name, text in texts.items():
        payload = _serialize(np.array(text.split("\n")))
        chunk = len(payload).to_bytes(4, "big") + zlib.compress(payload)
        variables[name] = np.array([len(rdb), len(chunk)], dtype=np.int32)
        rdb += chunk
    index = {"variables": variables, "references": {}, "compressed": np.array([True])}
    (package / "data").mkdir(parents=True, exist_ok=True)
    (package / "data" / "Rdata.rdb").write_bytes(bytes(rdb))
    (package / "data" / "Rdata.rdx").write_bytes(gzip.compress(_serialize(index)))
    return package


def _write_rda(package: Path, texts: dict[str, str]) -> Path:
    """CRAN's source layout: one data/<name>.rda per novel."""
    import rdata

    (package / "data").mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        rdata.write_rda(package / "data" / f"{name}.rda", {name: np.array(text.split("\n"))})
    return package


TINY = {name: f"{name.upper()}\n\nFirst line of a paragraph,\nits second  line.\n\n\nNext." for name in R_NAMES}


@pytest.fixture
def tiny_checksums(monkeypatch):
    """Make the loader expect the TINY texts, so small stand-ins load."""
    novels = tuple(
        data._Novel(n.title, n.r_name, hashlib.sha256(TINY[n.r_name].encode()).hexdigest()) for n in data._AUSTEN
    )
    monkeypatch.setattr(data, "_AUSTEN", novels)


def _copy_package(src: Path, dst: Path) -> Path:
    (dst / "data").mkdir(parents=True)
    for name in ("Rdata.rdb", "Rdata.rdx"):
        shutil.copy2(src / "data" / name, dst / "data" / name)
    return dst


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- Austen: loading


def test_austen_six_novels_in_publication_order(austen_dir):
    raw = data.load_austen(unwrap=False)
    assert tuple(raw) == data.AUSTEN_TITLES == (
        "Sense and Sensibility", "Pride and Prejudice", "Mansfield Park", "Emma", "Northanger Abbey", "Persuasion",
    )
    for title, text in raw.items():
        assert len(text) >= 400_000, title
        assert text.split("\n", 1)[0].lower() == title.lower()  # each book opens with its title
    assert "It is a truth universally acknowledged, that a single man in possession\nof a good fortune" in raw[
        "Pride and Prejudice"
    ]


def test_austen_unwrap_joins_the_lines_of_each_paragraph(austen_dir):
    raw, text = data.load_austen(unwrap=False), data.load_austen()
    assert tuple(text) == data.AUSTEN_TITLES
    for title in data.AUSTEN_TITLES:
        paragraphs = text[title].split("\n")
        assert all(p and p == p.strip() and "  " not in p for p in paragraphs), title
        assert text[title].split() == raw[title].split()  # the same words, only the spacing changed
        assert len(paragraphs) == len([b for b in re.split(r"\n\s*\n", raw[title]) if b.strip()])
    assert (
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
        "must be in want of a wife." in text["Pride and Prejudice"].split("\n")
    )


def test_unwrap_rules():
    assert data._unwrap("  a\nb  c\n\n\n  d\n \t\ne  \n") == "a b c\nd\ne"
    assert data._unwrap("\n\none\n\n") == "one"


def test_austen_returns_a_new_dict_each_time(austen_dir):
    first = data.load_austen()
    first["Emma"] = "changed"
    del first["Persuasion"]
    again = data.load_austen()
    assert again is not first and tuple(again) == data.AUSTEN_TITLES and again["Emma"].startswith("EMMA")


def test_find_austen_returns_the_package_folder(austen_dir):
    # the folder holding data/ (for `dpkg-deb -x` into data/janeaustenr: .../usr/lib/R/site-library/janeaustenr)
    assert austen_dir.name == "janeaustenr" and data._austen_layout(austen_dir) in ("rdb", "rda")


def test_rdata_warning_is_silenced(isolated, austen_dir, recwarn):
    _copy_package(austen_dir, isolated / "repo_data" / "janeaustenr")
    data.load_austen()
    assert not [w for w in recwarn if "Unknown file type" in str(w.message)]


@pytest.mark.parametrize("where", ["package", "deb root", "cran source", "NEURODL_DATA"])
def test_austen_layouts_are_found_and_read(isolated, tiny_checksums, monkeypatch, where):
    folder = isolated / "repo_data" / "janeaustenr"
    if where == "package":
        package = _write_lazyload(folder, TINY)
    elif where == "deb root":
        package = _write_lazyload(folder / "usr" / "lib" / "R" / "site-library" / "janeaustenr", TINY)
    elif where == "cran source":
        package = _write_rda(folder, TINY)
    else:
        _write_lazyload(folder, {name: "not this one" for name in R_NAMES})  # later in the order
        env = isolated / "my_data"
        package = _write_lazyload(env / "janeaustenr", TINY)
        monkeypatch.setenv("NEURODL_DATA", str(env))
    assert data.find_austen() == package
    raw = data.load_austen(unwrap=False)
    assert raw["Emma"] == TINY["emma"] and tuple(raw) == data.AUSTEN_TITLES
    assert data.load_austen()["Persuasion"] == "PERSUASION\nFirst line of a paragraph, its second line.\nNext."


def test_austen_system_folder_is_used_last(isolated, tiny_checksums):
    system = _write_lazyload(data.AUSTEN_SYSTEM_DIRS[0], TINY)
    assert data.find_austen() == system
    repo = _write_rda(isolated / "repo_data" / "janeaustenr", TINY)
    assert data.find_austen() == repo


# ----------------------------------------------------------------------------- Austen: errors


def test_missing_austen_lists_every_place_and_the_fix(isolated, monkeypatch):
    env = isolated / "my_data"
    env.mkdir()
    monkeypatch.setenv("NEURODL_DATA", str(env))
    (isolated / "repo_data" / "janeaustenr").mkdir()
    assert data.find_austen() is None
    with pytest.raises(DatasetNotFoundError) as info:
        data.load_austen()
    message = str(info.value)
    places = data.austen_search_path()
    assert len(places) == 4
    for place in places:
        assert str(place) in message
    assert "no such folder" in message and "folder exists, but holds neither" in message
    for fix in ("apt-get download r-cran-janeaustenr", "dpkg-deb -x", "sudo apt-get install r-cran-janeaustenr",
                "https://cran.r-project.org/package=janeaustenr", "janeaustenr/data/<novel>.rda"):
        assert fix in message


def test_partial_austen_folders_are_reported(isolated, tiny_checksums):
    package = _write_rda(isolated / "repo_data" / "janeaustenr", {n: TINY[n] for n in R_NAMES[:3]})
    with pytest.raises(DatasetNotFoundError, match=r"only 3 of the 6 \.rda files in .*sensesensibility\.rda"):
        data.load_austen()
    shutil.rmtree(package)
    _write_lazyload(package, TINY)
    (package / "data" / "Rdata.rdx").unlink()
    with pytest.raises(DatasetNotFoundError, match="holds Rdata.rdb but not Rdata.rdx"):
        data.load_austen()


def test_wrong_neurodl_data_is_named_for_austen(isolated, monkeypatch):
    monkeypatch.setenv("NEURODL_DATA", str(isolated / "does-not-exist"))
    with pytest.raises(DatasetNotFoundError, match="NEURODL_DATA is set to .*does-not-exist.*not an existing folder"):
        data.load_austen()


@pytest.mark.parametrize("write", [_write_lazyload, _write_rda])
def test_austen_checksum_mismatch_names_novel_file_and_digests(isolated, write):
    # well-formed R data whose text is not janeaustenr's: the real checksums reject it
    package = write(isolated / "repo_data" / "janeaustenr", TINY)
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_austen()
    message = str(info.value)
    first = data._AUSTEN[0]
    actual = hashlib.sha256(TINY[first.r_name].encode()).hexdigest()
    file = "Rdata.rdb" if write is _write_lazyload else "sensesensibility.rda"
    assert "Sense and Sensibility" in message and str(package / "data" / file) in message
    assert "failed its checksum" in message and first.sha256 in message and actual in message
    assert "apt-get download r-cran-janeaustenr" in message


def test_austen_truncated_rdb_is_named(isolated, austen_dir):
    package = _copy_package(austen_dir, isolated / "repo_data" / "janeaustenr")
    victim = package / "data" / "Rdata.rdb"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_austen()
    message = str(info.value)
    assert str(victim) in message and "truncated or corrupted" in message and "sensesensibility" in message


def test_austen_flipped_byte_is_caught(isolated, austen_dir):
    package = _copy_package(austen_dir, isolated / "repo_data" / "janeaustenr")
    victim = package / "data" / "Rdata.rdb"
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    with pytest.raises(DatasetIntegrityError, match=re.escape(str(victim))):
        data.load_austen()


def test_austen_corrupted_index_is_named(isolated, austen_dir):
    package = _copy_package(austen_dir, isolated / "repo_data" / "janeaustenr")
    victim = package / "data" / "Rdata.rdx"
    victim.write_bytes(gzip.compress(b"X\nnot an R object"))
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_austen()
    assert str(victim) in str(info.value) and "could not be read as an R lazy-load index" in str(info.value)


def test_austen_errors_leave_the_files_untouched_and_replaced_files_are_read_again(isolated, austen_dir):
    package = _copy_package(austen_dir, isolated / "repo_data" / "janeaustenr")
    assert data.load_austen(unwrap=False)["Emma"].startswith("EMMA") and "EMMA" in data.load_austen()["Emma"]
    victim = package / "data" / "Rdata.rdb"
    victim.write_bytes(victim.read_bytes()[:1000])  # a cached copy must not hide this
    before = _digest(package)
    for unwrap in (True, False):
        with pytest.raises(DatasetIntegrityError):
            data.load_austen(unwrap=unwrap)
    assert _digest(package) == before


# ----------------------------------------------------------------------------- Japanese vowels


def test_japanese_vowels_shapes_counts_and_labels():
    X_train, y_train, X_test, y_test, names = data.load_japanese_vowels()
    assert isinstance(X_train, list) and len(X_train) == 270 and len(X_test) == 370
    assert names == data.JAPANESE_VOWELS_CLASSES == tuple(f"speaker {k}" for k in range(1, 10))
    lengths = [len(x) for x in X_train + X_test]
    assert min(lengths) == 7 and max(lengths) == 29
    assert all(x.ndim == 2 and x.shape[1] == 12 and x.dtype == np.float32 for x in X_train + X_test)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert np.bincount(y_train).tolist() == [30] * 9
    assert np.bincount(y_test).tolist() == [31, 35, 88, 44, 29, 24, 40, 50, 29]
    # time first: the file's first case starts "1.860936,1.891651,...:-0.207383,..." (channel by channel)
    assert X_train[0][:2, 0].tolist() == pytest.approx([1.860936, 1.891651])
    assert X_train[0][0, 1] == pytest.approx(-0.207383)


def test_japanese_vowels_are_new_copies():
    a = data.load_japanese_vowels()
    a.X_train[0][:] = 0
    a.y_test[:] = 5
    b = data.load_japanese_vowels()
    assert b.X_train[0][0, 0] == pytest.approx(1.860936) and b.y_test.min() == 0


def test_japanese_vowels_do_not_import_sktime():
    code = "import sys, neurodl.data as d; d.load_japanese_vowels(); d.load_vader_lexicon(); print('sktime' in sys.modules, 'vaderSentiment' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_japanese_vowels_without_sktime_says_what_to_install(monkeypatch):
    monkeypatch.setattr(data, "_package_dir", lambda name: None)
    with pytest.raises(DatasetNotFoundError, match=r"sktime, which is not installed.*\n.*pip install sktime==1\.2\.0"):
        data.load_japanese_vowels()
    with pytest.raises(DatasetNotFoundError, match=r"pip install vaderSentiment==3\.3\.2"):
        data.load_vader_lexicon()


def _fake_sktime(tmp_path: Path, monkeypatch) -> Path:
    real = data._package_dir("sktime") / "datasets" / "data" / "JapaneseVowels"
    fake = tmp_path / "sktime"
    shutil.copytree(real, fake / "datasets" / "data" / "JapaneseVowels")
    monkeypatch.setattr(data, "_package_dir", lambda name: fake)
    return fake / "datasets" / "data" / "JapaneseVowels"


def test_japanese_vowels_missing_file_is_named(tmp_path, monkeypatch):
    folder = _fake_sktime(tmp_path, monkeypatch)
    (folder / "JapaneseVowels_TEST.ts").unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        data.load_japanese_vowels()
    assert str(folder / "JapaneseVowels_TEST.ts") in str(info.value) and "pip install sktime==1.2.0" in str(info.value)


def test_japanese_vowels_checksum_mismatch(tmp_path, monkeypatch):
    folder = _fake_sktime(tmp_path, monkeypatch)
    victim = folder / "JapaneseVowels_TRAIN.ts"
    victim.write_text(victim.read_text().replace("1.860936", "1.860937", 1))
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_japanese_vowels()
    message = str(info.value)
    assert str(victim) in message and "failed its checksum" in message
    assert data._VOWELS_FILES["train"][1] in message and hashlib.sha256(victim.read_bytes()).hexdigest() in message
    assert "pip install --force-reinstall sktime==1.2.0" in message


def test_pinned_versions_match_requirements():
    text = (ROOT / "requirements.txt").read_text()
    for package, version in (
        ("sktime", data.SKTIME_VERSION), ("vaderSentiment", data.VADER_VERSION), ("rdata", data.RDATA_VERSION)
    ):
        assert re.search(rf"^{package}=={re.escape(version)}\s", text, re.M), package


# ----------------------------------------------------------------------------- pad_sequences


def test_pad_sequences_pre_and_post():
    seqs = [np.ones((2, 3)), 2 * np.ones((4, 3))]
    padded, lengths = data.pad_sequences(seqs)
    assert padded.shape == (2, 4, 3) and padded.dtype == np.float32
    assert lengths.tolist() == [2, 4] and lengths.dtype == np.int64
    assert padded[0, :2].tolist() == [[0.0] * 3] * 2 and padded[0, 2:].tolist() == [[1.0] * 3] * 2
    post, _ = data.pad_sequences(seqs, padding="post", value=-1.0)
    assert post[0, :2].tolist() == [[1.0] * 3] * 2 and post[0, 2:].tolist() == [[-1.0] * 3] * 2
    assert np.array_equal(post[1], seqs[1])


def test_pad_sequences_truncates_keeping_the_end_for_pre_and_the_start_for_post():
    seq = np.arange(10, dtype=np.float64).reshape(5, 2)  # steps 0..4
    pre, lengths = data.pad_sequences([seq, seq[:1]], maxlen=3)
    assert pre[0].tolist() == seq[2:].tolist() and lengths.tolist() == [3, 1]
    assert pre[1, :2].tolist() == [[0, 0], [0, 0]] and pre[1, 2].tolist() == [0, 1]
    post, _ = data.pad_sequences([seq], maxlen=3, padding="post")
    assert post[0].tolist() == seq[:3].tolist()


def test_pad_sequences_on_japanese_vowels():
    d = data.load_japanese_vowels()
    padded, lengths = data.pad_sequences(d.X_train)
    assert padded.shape == (270, 26, 12)
    assert np.array_equal(padded[:, -1], np.stack([x[-1] for x in d.X_train]))  # every row ends on data
    assert lengths.tolist() == [len(x) for x in d.X_train]


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ([np.ones((2, 3)), np.ones((2, 4))], {}, ValueError, "sequences must all have the same number of features"),
        ([np.ones(3)], {}, ValueError, r"sequences\[0\] must be 2-D"),
        ([], {}, ValueError, "sequences must hold at least one sequence"),
        ("abc", {}, TypeError, "sequences must be a list"),
        ([np.ones((2, 3))], {"padding": "middle"}, ValueError, "padding must be one of 'pre', 'post'"),
        ([np.ones((2, 3))], {"maxlen": 0}, ValueError, "maxlen must be >= 1"),
        ([np.ones((2, 3))], {"value": "zero"}, TypeError, "value must be a real number"),
    ],
)
def test_pad_sequences_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.pad_sequences(args, **kwargs)


# ----------------------------------------------------------------------------- sentiment


def _clause_sentiment(clause: str, polarity: dict[str, int]) -> int:
    words = clause.split()
    return polarity[words[-1]] ^ int("not" in words)


@pytest.fixture(scope="module")
def polarity() -> dict[str, int]:
    return {w: int(v > 0) for w, v in data.sentiment_adjectives().items()}


def test_vader_lexicon_and_the_adjectives_it_keeps():
    lexicon = data.load_vader_lexicon()
    assert len(lexicon) == 7506 and lexicon["good"] == 1.9 and lexicon["bad"] == -2.5
    kept = data.sentiment_adjectives()
    assert 70 <= len(data.SENTIMENT_CANDIDATES) <= 90 and set(kept) <= set(data.SENTIMENT_CANDIDATES)
    assert list(kept) == sorted(kept) and all(kept[w] == lexicon[w] and abs(kept[w]) >= 1.5 for w in kept)
    dropped = set(data.SENTIMENT_CANDIDATES) - set(kept)
    assert all(abs(lexicon.get(w, 0.0)) < 1.5 for w in dropped) and "boring" in dropped  # VADER: -1.3
    positive = [w for w, v in kept.items() if v > 0]
    assert len(positive) >= 25 and len(kept) - len(positive) >= 25
    assert abs(2 * len(positive) - len(kept)) <= 4  # roughly as many of each


def test_sentiment_word_split_is_fixed_and_covers_both_polarities(polarity):
    train, test = data.sentiment_adjectives(words="train"), data.sentiment_adjectives(words="test")
    assert set(train) | set(test) == set(polarity) and not set(train) & set(test)
    for positive in (1, 0):
        same = sorted(w for w, p in polarity.items() if p == positive)
        assert [w for w in same if w in test] == same[3::4]


def test_make_sentiment_balance_and_kinds():
    d = data.make_sentiment(301, rng=np.random.default_rng(0))
    assert isinstance(d.texts, list) and len(d.texts) == 301 and d.labels.dtype == np.int64
    kinds, counts = np.unique(d.kinds, return_counts=True)
    assert dict(zip(kinds.tolist(), counts.tolist(), strict=True)) == {"plain": 101, "negated": 100, "contrast": 100}
    for kind in data.SENTIMENT_KINDS:
        y = d.labels[d.kinds == kind]
        assert abs(2 * int(y.sum()) - len(y)) <= 1, kind
    assert set(d.kinds[:20]) == set(data.SENTIMENT_KINDS)  # shuffled, not in blocks
    only = data.make_sentiment(7, rng=np.random.default_rng(1), kinds=("contrast",))
    assert set(only.kinds) == {"contrast"} and sorted(only.labels.tolist()) in ([0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1])


def test_make_sentiment_sentences_and_labels(polarity):
    d = data.make_sentiment(3000, rng=np.random.default_rng(2))
    vocab = set(d.vocab)
    assert d.vocab[0] == "<pad>" and list(d.vocab[1:]) == sorted(d.vocab[1:])
    subject = "|".join(data.SENTIMENT_SUBJECTS)
    intensifier = "|".join(data.SENTIMENT_INTENSIFIERS)
    clause = rf"(?:{subject}) was(?: not)?(?: (?:{intensifier}))? [a-z]+"
    for text, label, kind in zip(d.texts, d.labels, d.kinds, strict=True):
        assert set(text.split()) <= vocab and text == text.lower() and re.fullmatch(r"[a-z ]+", text)
        assert "not rather" not in text
        if kind == "contrast":
            assert re.fullmatch(rf"{clause} but {clause}", text), text
            first, second = text.split(" but ")
            assert first.split()[:2] != second.split()[:2]  # two different subjects
            assert _clause_sentiment(first, polarity) != _clause_sentiment(second, polarity)
            assert label == _clause_sentiment(second, polarity)  # what comes after "but" decides
        else:
            assert re.fullmatch(clause, text) and ("not" in text.split()) == (kind == "negated"), text
            assert label == _clause_sentiment(text, polarity)
    uses = [w in " ".join(d.texts).split() for w in data.SENTIMENT_INTENSIFIERS]
    assert all(uses) and sum(t.split()[-1] in polarity for t in d.texts) == 3000


def test_contrast_labels_are_not_in_the_bag_of_words():
    """Each clause pair is equally likely in either order, so no bag-of-words model beats chance.

    The probe is logistic regression on which words occur and which pairs of words occur
    together: pairs let it learn negation ("not" with "good"), so it solves plain and negated
    sentences; on contrast sentences it must stay at chance (4 000 test sentences: sd 0.8 %).
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    rng = np.random.default_rng(3)
    accuracy = {}
    for kinds in (("plain", "negated"), ("contrast",)):
        train, test = (data.make_sentiment(4000, rng=rng, kinds=kinds) for _ in range(2))
        bag = CountVectorizer(token_pattern=r"\S+", vocabulary=train.vocab[1:], binary=True)
        model = make_pipeline(PolynomialFeatures(2, interaction_only=True), LogisticRegression(max_iter=1000))
        model.fit(bag.transform(train.texts), train.labels)
        accuracy[kinds[-1]] = model.score(bag.transform(test.texts), test.labels)
    assert accuracy["negated"] > 0.98, accuracy  # the probe can learn what a bag of words holds
    assert 0.46 < accuracy["contrast"] < 0.54, accuracy  # but not the order of the clauses
    # the same bag of words, the other label: swapping the clauses is another possible sentence
    d = data.make_sentiment(2, rng=np.random.default_rng(4), kinds=("contrast",))
    first, second = d.texts[0].split(" but ")
    assert sorted(f"{second} but {first}".split()) == sorted(d.texts[0].split())


def test_make_sentiment_is_reproducible():
    a = data.make_sentiment(50, rng=np.random.default_rng(5))
    b = data.make_sentiment(50, rng=np.random.default_rng(5))
    c = data.make_sentiment(50, rng=np.random.default_rng(6))
    assert a.texts == b.texts and np.array_equal(a.labels, b.labels) and np.array_equal(a.kinds, b.kinds)
    assert a.texts != c.texts


def test_make_sentiment_held_out_words(polarity):
    train = data.make_sentiment(600, rng=np.random.default_rng(7), words="train")
    test = data.make_sentiment(600, rng=np.random.default_rng(7), words="test")
    train_words, test_words = data.sentiment_adjectives(words="train"), data.sentiment_adjectives(words="test")
    used = lambda d: {w for t in d.texts for w in t.split() if w in polarity}  # noqa: E731
    assert used(train) <= set(train_words) and used(test) <= set(test_words)
    assert len(used(test)) == len(test_words)
    assert train.vocab == test.vocab == data.make_sentiment(3, rng=np.random.default_rng(0), kinds=("plain",)).vocab


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": 2.5}, TypeError, "n must be an integer"),
        ({"rng": 0}, TypeError, "rng must be a numpy.random.Generator"),
        ({"rng": np.random.RandomState(0)}, TypeError, "rng must be a numpy.random.Generator"),
        ({"kinds": ("plain", "sarcastic")}, ValueError, "kinds must be one of 'plain', 'negated', 'contrast'"),
        ({"kinds": ()}, TypeError, "kinds must be a non-empty tuple"),
        ({"kinds": "plain"}, TypeError, "kinds must be a non-empty tuple"),
        ({"kinds": ("plain", "plain")}, ValueError, "kinds must not repeat"),
        ({"words": "dev"}, ValueError, "words must be one of 'all', 'train', 'test'"),
    ],
)
def test_make_sentiment_bad_arguments(kwargs, error, match):
    args = {"n": 10, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(error, match=match):
        data.make_sentiment(**args)


def test_encode_tokens_pre_pads_and_truncates_keeping_the_end():
    vocab = ("<pad>", "bad", "but", "film", "good", "the", "was")
    ids = data.encode_tokens(["the film was good", "the film was good but bad", ""], vocab)
    assert ids.dtype == np.int64 and ids.shape == (3, 6)
    assert ids[0].tolist() == [0, 0, 5, 3, 6, 4] and ids[2].tolist() == [0] * 6
    assert data.encode_tokens(["the film was good but bad"], vocab, maxlen=2).tolist() == [[2, 1]]
    d = data.make_sentiment(20, rng=np.random.default_rng(8))
    ids = data.encode_tokens(d.texts, d.vocab)
    assert [" ".join(d.vocab[i] for i in row if i) for row in ids] == d.texts


@pytest.mark.parametrize(
    "texts, vocab, kwargs, error, match",
    [
        (["the film was meh"], ("<pad>", "the", "film", "was"), {}, ValueError, "texts\\[0\\] holds the token 'meh', which is not in vocab"),
        (["the"], ("the", "<pad>"), {}, ValueError, "vocab must start with '<pad>'"),
        (["the"], ("<pad>", "the", "the"), {}, ValueError, "vocab must not hold a token twice"),
        ("the film", ("<pad>", "the"), {}, TypeError, "texts must be a list of strings"),
        ([1, 2], ("<pad>", "the"), {}, TypeError, r"texts\[0\] must be a str"),
        ([], ("<pad>", "the"), {}, ValueError, "texts must hold at least one text"),
        (["the"], ("<pad>", "the"), {"maxlen": 0}, ValueError, "maxlen must be >= 1"),
    ],
)
def test_encode_tokens_bad_arguments(texts, vocab, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.encode_tokens(texts, vocab, **kwargs)


# ----------------------------------------------------------------------------- command line


def test_command_line_reports_every_dataset(austen_dir, capsys):
    if data.find_fashion_mnist() is None:
        pytest.skip("Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist")
    assert data._main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"Jane Austen's novels (janeaustenr) found in {austen_dir}; all six verified" in out
    assert "Japanese Vowels found in" in out and "train 270 utterances, test 370, 12 channels, 7-29 frames" in out
    assert "VADER lexicon found in" in out and "70 of the 80 candidate adjectives kept (35 positive, 35 negative)" in out


def test_command_line_reports_missing_austen(isolated, capsys):
    assert data._main(["check"]) == 1
    err = capsys.readouterr().err
    assert "Jane Austen's novels (the R package janeaustenr) were not found" in err
    assert "apt-get download r-cran-janeaustenr" in err
