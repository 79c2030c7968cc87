"""Datasets: seeded generators, the small tables scikit-learn ships, and a user's CSV.

Every generator has the signature ``(n_samples, noise, test_fraction, seed, **options) -> Dataset``
and draws only from ``np.random.default_rng(seed)``. ``DATASETS`` maps the name the UI shows to
its loader. Features come out ready to train on (unit scale, or standardised with the training
set's mean and standard deviation); ``Dataset.transform`` maps raw inputs the same way, so a
figure can evaluate the model on a grid drawn in the original coordinates.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np

from . import limits

MAX_CSV_BYTES = limits.CSV_BYTES
MAX_CSV_ROWS = limits.CSV_ROWS
# rows × columns of a CSV: 16 MB as float64 per copy of the table, so a session keeps ~25 MB of data
# (the float32 table and the float64 train/test arrays) and a full pass over it takes milliseconds
MAX_CSV_CELLS = limits.CSV_CELLS
MAX_CSV_FEATURES = limits.CSV_FEATURES
MAX_CSV_CLASSES = limits.CSV_CLASSES  # a target with more distinct values is an ID or free text, not classes
MAX_CLASSES_FROM_NUMBERS = 20  # an integer target with at most this many values is taken as classes


@dataclass
class Dataset:
    """Train and test arrays with what a page needs to label them."""

    name: str
    task: str  # "regression", "binary" or "multiclass"
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    target_name: str = "y"
    class_names: list[str] | None = None
    description: str = ""
    true_weights: np.ndarray | None = None  # the generating weights, where they are known
    true_bias: float | None = None
    # raw input -> model input: standardisation (mean, scale) then optional polynomial expansion
    input_mean: np.ndarray | None = None
    input_scale: np.ndarray | None = None
    poly_degree: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def n_features(self):
        return self.X_train.shape[1]

    @property
    def n_outputs(self):
        """Width of the model's last layer: classes for multiclass, else 1."""
        return len(self.class_names) if self.task == "multiclass" else 1

    def layer_sizes(self, hidden=()):
        """[n_features, *hidden, n_outputs]: the MLP that fits this dataset."""
        return [self.n_features, *hidden, self.n_outputs]

    @property
    def n_raw_inputs(self):
        """Number of raw input coordinates (1 for the polynomial curve, else n_features)."""
        return 1 if self.poly_degree else self.n_features

    def transform(self, raw):
        """Raw inputs (n, n_raw_inputs) to model inputs (n, n_features), as the data was prepared."""
        X = np.asarray(raw, dtype=float)
        if self.input_mean is not None:
            X = (X - self.input_mean) / self.input_scale
        if self.poly_degree:
            X = X[:, :1] ** np.arange(1, self.poly_degree + 1)
        return X

    def raw(self, X):
        """Model inputs back to raw coordinates (the first column for the polynomial curve)."""
        X = np.asarray(X, dtype=float)
        if self.poly_degree:
            X = X[:, :1]
        return X if self.input_mean is None else X * self.input_scale + self.input_mean


# -- helpers -------------------------------------------------------------------------------------
def counted(n, noun, plural=None):
    """ "1 row", "9,999 rows": a count with thousands separators and the noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _split(X, y, test_fraction, rng, stratify):
    """Shuffle and split; classification splits each class in proportion so the test set has them all."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    test = []
    for idx in groups:
        idx = rng.permutation(idx)
        n_test = int(round(test_fraction * len(idx)))
        if test_fraction > 0 and len(idx) > 1:  # a group of 2 or more has a row on each side
            n_test = min(max(n_test, 1), len(idx) - 1)
        test.append(idx[:n_test])
    test = np.sort(np.concatenate(test))
    train = rng.permutation(np.setdiff1d(np.arange(len(y)), test))
    test = rng.permutation(test)
    return X[train], y[train], X[test], y[test]


def _make(name, task, X, y, test_fraction, rng, **fields):
    X_train, y_train, X_test, y_test = _split(X, y, test_fraction, rng, stratify=task != "regression")
    return Dataset(name, task, X_train, y_train, X_test, y_test, **fields)


def split(name, task, X, y, test_fraction=0.2, seed=0, **fields):
    """A :class:`Dataset` of ``X``, ``y`` shuffled and split with ``np.random.default_rng(seed)``
    (classification: each class in proportion), the other fields from ``fields``."""
    rng = np.random.default_rng(seed)
    return _make(name, task, np.asarray(X, dtype=float), np.asarray(y), test_fraction, rng, **fields)


def _standardizer(train):
    """(mean, scale, standardise) of the (finite) ``train`` columns: ``standardise(X) = (X - mean) / scale``,
    constant columns left at scale 1.

    Each column is first divided by the power of two just above its largest magnitude, so that values
    beyond 1e154 (a CSV may hold 1e300) do not overflow when squared; dividing by a power of two is
    exact, so other columns get the very numbers of ``(X - X.mean(0)) / X.std(0)``.
    """
    peak = np.abs(train).max(axis=0) if len(train) else np.zeros(train.shape[1:])
    unit = np.ldexp(1.0, np.frexp(np.where(peak > 0, peak, 1.0))[1])  # 2**k > peak
    mean, std = (train / unit).mean(axis=0), (train / unit).std(axis=0)
    std = np.where(std > 0, std, 1.0 / unit)

    def standardise(X):
        return (X / unit - mean) / std

    return mean * unit, std * unit, standardise


def _standardized(ds):
    """Standardise features with the training set's mean and std (constant columns left at scale 1)."""
    ds.input_mean, ds.input_scale, standardise = _standardizer(ds.X_train)
    ds.X_train, ds.X_test = standardise(ds.X_train), standardise(ds.X_test)
    return ds


def _standardized_target(ds):
    """Standardise a regression target with the training mean and std (kept in meta to undo)."""
    mean, std, standardise = _standardizer(ds.y_train)
    ds.y_train, ds.y_test = standardise(ds.y_train), standardise(ds.y_test)
    ds.meta["target_mean"], ds.meta["target_std"] = float(mean), float(std)
    return ds


def _labels(y, n_classes):
    return y.astype(np.intp) if n_classes > 2 else y.astype(float)


# -- generated data ------------------------------------------------------------------------------
def house_prices(n_samples=60, noise=0.3, test_fraction=0.2, seed=0):
    """price = w·area + b + ε with w = 1.5 ($150 per sq ft), b = 0.5 ($50k): the classic y = w·x + b."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(0.6, 3.5, size=(n_samples, 1))  # thousands of square feet
    price = 1.5 * area[:, 0] + 0.5 + noise * rng.normal(size=n_samples)  # hundreds of thousands of $
    return _make(
        "house_prices",
        "regression",
        area,
        price,
        test_fraction,
        rng,
        feature_names=["area (1000 sq ft)"],
        target_name="price ($100k)",
        description="House price against floor area: one weight (price per square foot) and one bias.",
        true_weights=np.array([1.5]),
        true_bias=0.5,
    )


def linear(n_samples=200, noise=0.5, test_fraction=0.2, seed=0, n_features=8, n_informative=3):
    """y = X·w + b + ε with X ~ N(0, I), only ``n_informative`` of the weights non-zero."""
    rng = np.random.default_rng(seed)
    w = np.zeros(n_features)
    w[:n_informative] = rng.uniform(1.0, 3.0, n_informative) * rng.choice([-1.0, 1.0], n_informative)
    X = rng.normal(size=(n_samples, n_features))
    y = X @ w + 1.0 + noise * rng.normal(size=n_samples)
    return _make(
        "linear",
        "regression",
        X,
        y,
        test_fraction,
        rng,
        feature_names=[f"x{i + 1}" for i in range(n_features)],
        description=f"{counted(n_informative, 'informative feature')} and "
        f"{counted(n_features - n_informative, 'irrelevant one')} (true weight 0): what L1 should find.",
        true_weights=w,
        true_bias=1.0,
    )


def plane(n_samples=300, noise=0.1, test_fraction=0.2, seed=0):
    """y = (x₁ + x₂)/2 + ε on [−1, 1]² (TensorFlow Playground's regression plane)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = 0.5 * (X[:, 0] + X[:, 1]) + noise * rng.normal(size=n_samples)
    return _make(
        "plane",
        "regression",
        X,
        y,
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        description="A tilted plane: a linear model fits it exactly.",
        true_weights=np.array([0.5, 0.5]),
        true_bias=0.0,
    )


def moons(n_samples=300, noise=0.15, test_fraction=0.2, seed=0):
    """Two interleaving half circles (as scikit-learn's make_moons), centred and scaled to ≈[−1, 1]."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n_samples) % 2).astype(float)
    angle = rng.uniform(0, np.pi, n_samples)
    x1 = np.where(y == 0, np.cos(angle), 1 - np.cos(angle))
    x2 = np.where(y == 0, np.sin(angle), 0.5 - np.sin(angle))
    X = np.column_stack([x1 - 0.5, x2 - 0.25]) / 1.2 + noise * rng.normal(size=(n_samples, 2))
    return _make(
        "moons",
        "binary",
        X,
        y,
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        class_names=["0", "1"],
        description="Two interleaving moons: needs a curved boundary.",
    )


def circles(n_samples=300, noise=0.1, test_fraction=0.2, seed=0, factor=0.5):
    """A disc inside a ring (radius ``factor`` and 1): no straight line separates them."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n_samples) % 2).astype(float)
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) + noise * rng.normal(size=(n_samples, 2))
    return _make(
        "circles",
        "binary",
        X,
        y,
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        class_names=["outer", "inner"],
        description="A disc inside a ring.",
    )


def xor(n_samples=300, noise=0.05, test_fraction=0.2, seed=0):
    """Four quadrants, class 1 where x₁·x₂ > 0: the problem a single linear layer cannot solve."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    X += np.sign(X) * 0.1  # a margin between the quadrants, as in TensorFlow Playground
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    X += noise * rng.normal(size=X.shape)
    return _make(
        "xor",
        "binary",
        X,
        y,
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        class_names=["0", "1"],
        description="Exclusive or: the classic case for a hidden layer.",
    )


def spiral(n_samples=300, noise=0.1, test_fraction=0.2, seed=0, n_classes=2, turns=1.25):
    """``n_classes`` interleaved spiral arms (binary for 2, else multiclass)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.05, 1.0, n_samples)
    angle = 2 * np.pi * (turns * r + y / n_classes)
    X = r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)]) + noise * r[:, None] * rng.normal(
        size=(n_samples, 2)
    )
    task = "binary" if n_classes == 2 else "multiclass"
    return _make(
        "spiral",
        task,
        X,
        _labels(y, n_classes),
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        class_names=[str(c) for c in range(n_classes)],
        description="Interleaved spirals: hard for small nets.",
    )


def blobs(n_samples=300, noise=0.25, test_fraction=0.2, seed=0, n_classes=3):
    """``n_classes`` Gaussian blobs with centres on a circle of radius 0.8 and std ``noise``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    angle = 2 * np.pi * np.arange(n_classes) / n_classes + rng.uniform(0, 2 * np.pi)
    centres = 0.8 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres[y] + noise * rng.normal(size=(n_samples, 2))
    task = "binary" if n_classes == 2 else "multiclass"
    return _make(
        "blobs",
        task,
        X,
        _labels(y, n_classes),
        test_fraction,
        rng,
        feature_names=["x1", "x2"],
        class_names=[str(c) for c in range(n_classes)],
        description="Gaussian blobs, one per class.",
    )


def polynomial(n_samples=15, noise=0.15, test_fraction=0.33, seed=0, degree=9):
    """y = sin(πx) + ε at a few points x ∈ [−1, 1], features x, x², …, x^degree: made to overfit."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n_samples, 1))
    y = np.sin(np.pi * x[:, 0]) + noise * rng.normal(size=n_samples)
    X = x ** np.arange(1, degree + 1)
    return _make(
        "polynomial",
        "regression",
        X,
        y,
        test_fraction,
        rng,
        feature_names=["x"] + [f"x^{p}" for p in range(2, degree + 1)],
        description=f"A few noisy points of a curve and a degree-{degree} polynomial: "
        "it overfits until L2 reins the weights in.",
        poly_degree=degree,
    )


def sparse_linear(n_samples=100, noise=1.0, test_fraction=0.4, seed=0, n_features=20, n_informative=5):
    """y = X·w + 1 + ε, X ~ N(0, I), with 20 features of which only 5 carry signal: "relevant 1…5"
    (|w| from 1 to 3) and "irrelevant 1…15" (w = 0). Few rows for so many weights (60 to train on): a plain
    fit gives every irrelevant feature a weight; L1 should set exactly those to zero."""
    rng = np.random.default_rng(seed)
    w = np.zeros(n_features)
    w[:n_informative] = rng.uniform(1.0, 3.0, n_informative) * rng.choice([-1.0, 1.0], n_informative)
    X = rng.normal(size=(n_samples, n_features))
    y = X @ w + 1.0 + noise * rng.normal(size=n_samples)
    names = [f"relevant {i + 1}" for i in range(n_informative)]
    names += [f"irrelevant {i + 1}" for i in range(n_features - n_informative)]
    return _make(
        "sparse_linear",
        "regression",
        X,
        y,
        test_fraction,
        rng,
        feature_names=names,
        description=f"{counted(n_informative, 'relevant feature')} and "
        f"{counted(n_features - n_informative, 'irrelevant one')} (true weight 0), and few rows: a plain fit "
        "gives every feature a weight; L1 drops the irrelevant ones.",
        true_weights=w,
        true_bias=1.0,
    )


def polynomial_15(n_samples=30, noise=0.2, test_fraction=0.4, seed=0):
    """The polynomial curve with degree-15 features and 18 points to train on: a plain fit swings
    through every point (overfitting); L2 or L1 tame it."""
    ds = polynomial(n_samples=n_samples, noise=noise, test_fraction=test_fraction, seed=seed, degree=15)
    ds.name = "polynomial_15"
    return ds


def small_moons(n_samples=80, noise=0.3, test_fraction=0.4, seed=0):
    """Noisy moons with 48 points to train on: a network of a few dozen units learns the noise."""
    ds = moons(n_samples=n_samples, noise=noise, test_fraction=test_fraction, seed=seed)
    ds.name, ds.description = "small_moons", "Two noisy moons with few points: a flexible network learns the noise."
    return ds


# -- tables that ship inside scikit-learn (read from its package, no network) ---------------------
def _sklearn_table(loader_name, name, task, test_fraction, seed, description, standardize_target=False):
    from sklearn import datasets as sk  # imported on first use: it is slow to import

    bunch = getattr(sk, loader_name)()
    rng = np.random.default_rng(seed)
    classes = [str(c) for c in getattr(bunch, "target_names", [])] if task != "regression" else None
    y = bunch.target.astype(float) if task in ("regression", "binary") else bunch.target.astype(np.intp)
    ds = _make(
        name,
        task,
        bunch.data.astype(float),
        y,
        test_fraction,
        rng,
        feature_names=[str(f) for f in bunch.feature_names],
        class_names=classes,
        target_name="target",
        description=description,
    )
    return _standardized_target(ds) if standardize_target else ds


def iris(n_samples=None, noise=None, test_fraction=0.2, seed=0):
    """Fisher's iris: 150 flowers, 4 measurements, 3 species (standardised)."""
    return _standardized(
        _sklearn_table(
            "load_iris", "iris", "multiclass", test_fraction, seed, "150 iris flowers, 4 measurements (cm), 3 species."
        )
    )


def wine(n_samples=None, noise=None, test_fraction=0.2, seed=0):
    """178 wines, 13 chemical measurements, 3 cultivars (standardised)."""
    return _standardized(
        _sklearn_table(
            "load_wine", "wine", "multiclass", test_fraction, seed, "178 wines, 13 chemical measurements, 3 cultivars."
        )
    )


def breast_cancer(n_samples=None, noise=None, test_fraction=0.2, seed=0):
    """569 tumours, 30 cell-nucleus features, malignant (0) or benign (1) (standardised)."""
    return _standardized(
        _sklearn_table(
            "load_breast_cancer",
            "breast_cancer",
            "binary",
            test_fraction,
            seed,
            "569 tumours, 30 features: malignant or benign.",
        )
    )


def diabetes(n_samples=None, noise=None, test_fraction=0.2, seed=0):
    """442 patients, 10 baseline variables, disease progression after a year (features and target standardised)."""
    return _standardized(
        _sklearn_table(
            "load_diabetes",
            "diabetes",
            "regression",
            test_fraction,
            seed,
            "442 patients, 10 variables: disease progression after one year (target standardised).",
            standardize_target=True,
        )
    )


def digits(n_samples=None, noise=None, test_fraction=0.2, seed=0):
    """1,797 handwritten digits as 8×8 images, pixels scaled from 0…16 to 0…1, 10 classes."""
    ds = _sklearn_table(
        "load_digits", "digits", "multiclass", test_fraction, seed, "1,797 handwritten digits, 8×8 pixels, 10 classes."
    )
    ds.X_train, ds.X_test = ds.X_train / 16.0, ds.X_test / 16.0
    ds.input_mean, ds.input_scale = np.zeros(64), np.full(64, 16.0)
    ds.meta["image_shape"] = (8, 8)
    return ds


DATASETS = {
    "house_prices": house_prices,
    "linear": linear,
    "plane": plane,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spiral": spiral,
    "blobs": blobs,
    "polynomial": polynomial,
    "sparse_linear": sparse_linear,
    "polynomial_15": polynomial_15,
    "small_moons": small_moons,
    "iris": iris,
    "wine": wine,
    "breast_cancer": breast_cancer,
    "diabetes": diabetes,
    "digits": digits,
}
BUILT_IN_TABLES = ("iris", "wine", "breast_cancer", "diabetes", "digits")


def load(name, **options):
    """The dataset ``name`` from DATASETS, e.g. ``load("moons", noise=0.2, seed=1)``."""
    try:
        loader = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}") from None
    return loader(**options)


# -- a user's CSV --------------------------------------------------------------------------------
class CSVError(ValueError):
    """A CSV that cannot become a dataset; the message says what is wrong and how to fix it."""


SNIFF_BYTES = 65_536  # the separator and the decimal mark are judged from the first 64 KB
_DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?")  # 1,5  -0,25  ,5  1,5e3
_DECIMAL_POINT = re.compile(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?")


def read_csv(source):
    """A pandas DataFrame from a path, bytes or file-like object; CSVError for empty, binary, broken or too large files.

    Too large is over MAX_CSV_BYTES, MAX_CSV_ROWS rows or MAX_CSV_CELLS values (rows × columns). The
    header gives the number of columns and pandas stops one row past the rows that fit, so a huge file
    is refused without being parsed whole.
    """
    import pandas as pd

    raw = _read_bytes(source)
    if len(raw) > MAX_CSV_BYTES:
        raise CSVError(f"the file is larger than {MAX_CSV_BYTES // 2**20:,} MB; use a sample of it")
    if not raw or raw.isspace():  # (no stripped copy of a large file)
        raise CSVError("the file is empty")
    if b"\x00" in raw[:4096]:
        raise CSVError("this is not a text file (it contains NUL bytes); export the table as CSV")
    try:
        sample = _sample(raw).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CSVError("the file is not UTF-8 text; save it as a UTF-8 CSV") from None
    sep = _separator(sample)
    header = next((row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if row), [])
    max_rows = min(MAX_CSV_ROWS, MAX_CSV_CELLS // max(len(header), 1))
    try:  # from bytes: a StringIO of the text would cost 4 bytes a character
        df = pd.read_csv(
            io.BytesIO(raw), sep=sep, decimal=_decimal(sample, sep), encoding="utf-8-sig", nrows=max_rows + 1
        )
    except UnicodeDecodeError:
        raise CSVError("the file is not UTF-8 text; save it as a UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError) as e:
        raise CSVError(f"the file could not be read as CSV: {str(e).strip().splitlines()[0]}") from None
    if len(df) > max_rows:
        raise CSVError(_too_large(max(_count_rows(raw), len(df)), df.shape[1]))
    names = [str(c).strip() for c in df.columns]  # "x1, x2, y" means columns x1, x2 and y
    seen = set()
    for name in names:
        if name in seen:
            raise CSVError(f"the column name {name!r} appears more than once; give every column its own name")
        seen.add(name)
    df.columns = names
    if df.shape[1] < 2:
        raise CSVError(
            "the table needs at least two columns (features and a target); "
            "check the separator (comma, semicolon, tab or bar)"
        )
    if len(df) < 4:
        raise CSVError(f"the table has {counted(len(df), 'data row')}; at least 4 are needed to train and test")
    return df


def _read_bytes(source):
    """Up to MAX_CSV_BYTES + 1 bytes of a path, bytes or file-like object (one more shows it is too large)."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        raw = source.read(MAX_CSV_BYTES + 1)
        return raw.encode() if isinstance(raw, str) else raw
    with open(source, "rb") as f:
        return f.read(MAX_CSV_BYTES + 1)


def _sample(raw):
    """The first SNIFF_BYTES of a file cut after a line end (whole characters), and its whole first line."""
    if len(raw) <= SNIFF_BYTES:
        return raw
    end = raw.rfind(b"\n", 0, SNIFF_BYTES)
    if end < 0:  # a header longer than the sample: take the whole first line
        end = raw.find(b"\n")
    return raw if end < 0 else raw[: end + 1]


def _count_rows(raw):
    """Data rows as counted by line ends (blank lines and quoted line breaks count too: an estimate)."""
    return max(raw.count(b"\n"), raw.count(b"\r")) - raw.endswith((b"\n", b"\r"))


def _too_large(n_rows, n_columns):
    """Why a table with ``n_rows`` × ``n_columns`` is refused, and what fits instead."""
    if n_rows > MAX_CSV_ROWS and MAX_CSV_ROWS * n_columns <= MAX_CSV_CELLS:
        return f"the file has more than {MAX_CSV_ROWS:,} rows (about {n_rows:,}); use a sample of it"
    fits = MAX_CSV_CELLS // n_columns
    return (
        f"the table is too large: about {counted(n_rows, 'row')} × {counted(n_columns, 'column')} = "
        f"{counted(n_rows * n_columns, 'value')}; at most {MAX_CSV_CELLS:,} values (rows × columns) are supported, "
        f"e.g. {counted(fits, 'row')} of {counted(n_columns, 'column')}: use a sample of the rows or fewer columns"
    )


def _separator(text):
    """The separator of a CSV: comma, semicolon, tab or bar, as the first lines suggest (comma if unsure)."""
    try:
        return csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _decimal(text, sep):
    """The decimal mark: ',' when the separator is ';' or tab, some fields are numbers written with a
    decimal comma (1,5) and none with a point (1.5); else '.'. (Text with commas reads the same either way.)"""
    if sep not in ";\t":
        return "."
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    next(rows, None)  # the header
    fields = [f.strip() for row in rows for f in row]
    commas = any(_DECIMAL_COMMA.fullmatch(f) for f in fields)
    points = any(_DECIMAL_POINT.fullmatch(f) for f in fields)
    return "," if commas and not points else "."


# float32 is kept for a column only when rounding to it moves no value by more than this fraction of
# the column's standard deviation: the standardised numbers the model sees then change by at most 1e-4
FLOAT32_TOLERANCE = 1e-4


def compact_table(df):
    """``df`` with float columns as float32 where that loses nothing that matters, and integer columns in the
    smallest integer type that holds them: half the memory or less, for a table kept between reruns.

    A float column stays float64 when float32 cannot hold it faithfully:

    - a finite value beyond float32's range (|x| > 3.4e38, e.g. 1e300) would become infinite;
    - rounding to float32 (about 7 significant digits) would move some value by more than
      ``FLOAT32_TOLERANCE`` (1e-4) of the column's standard deviation, the unit the model sees it in
      after standardisation: values like 1234567.89 ± 0.5 would lose their spread, and tiny ones like
      1e-300 would become 0. (A constant column that float32 does not hold exactly stays float64 too.)

    The criterion is the largest rounding error over the standard deviation (not the change of the
    standard deviation, which rounding noise barely moves while it scrambles the values). Missing and
    infinite values are left out of both tests and keep what they are.
    """
    import pandas as pd

    columns = {}
    for c in df.columns:
        column = df[c]
        if pd.api.types.is_float_dtype(column.dtype):
            if _fits_float32(column.to_numpy(dtype=np.float64, na_value=np.nan)):
                column = column.astype(np.float32)
        elif pd.api.types.is_integer_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
            column = pd.to_numeric(column, downcast="integer")
        columns[c] = column
    return pd.DataFrame(columns, index=df.index)


def _fits_float32(values):
    """Whether float32 holds the finite ``values`` within range and within FLOAT32_TOLERANCE of their std."""
    x = values[np.isfinite(values)]
    if not x.size:
        return True
    if np.abs(x).max() > np.finfo(np.float32).max:
        return False
    error = np.abs(x.astype(np.float32).astype(np.float64) - x).max()
    return error == 0 or error <= FLOAT32_TOLERANCE * x.std()


def from_csv(
    source,
    target=None,
    features=None,
    task="auto",
    standardize=True,
    drop_missing=False,
    test_fraction=0.2,
    seed=0,
    name="csv",
):
    """A Dataset from a CSV: ``target`` column (default: the last), numeric ``features`` (default: all others).

    ``task="auto"`` takes text or booleans or integers with at most 20 values as classes (binary
    for two), anything else as regression. Classes: at most MAX_CSV_CLASSES, each with at least
    two rows (one to train on, one to test). Features (and a regression target) are standardised
    with the training set's statistics. A DataFrame passed in is not changed. Raises CSVError
    naming the problem.

    The steps, each raising CSVError for what it checks: read the table → choose the columns →
    check the features are numbers → keep the complete rows → encode the target → split and scale.
    """
    import pandas as pd

    df = source if isinstance(source, pd.DataFrame) else read_csv(source)
    df = df.rename(columns=lambda c: str(c).strip())  # a new frame: the caller's keeps its names
    target, features = _select_columns(df, target, features)
    _check_features(df, features)
    X, y_raw = _complete_rows(df, features, target, drop_missing)
    task, y, class_names = _encode_target(y_raw, target, task)
    description = f"{counted(len(y), 'row')} from a CSV, {counted(len(features), 'feature')}."
    fields = {"feature_names": features, "target_name": target, "class_names": class_names, "description": description}
    return _split_and_scale(name, task, X, y, test_fraction, seed, standardize, **fields)


def _select_columns(df, target, features):
    """(target, features): the target (default: the last column) and the features (default: every other
    numeric column). Checks that the target exists, that at least one feature is chosen (or, by default,
    that some column besides the target holds numbers), that every feature exists and is not the target,
    and that there are at most MAX_CSV_FEATURES of them."""
    target = df.columns[-1] if target is None else target
    if target not in df.columns:
        raise CSVError(f"there is no column {target!r}; the columns are {', '.join(df.columns)}")
    if features is None:
        features = numeric_columns(df, exclude=target)
        if not features:
            raise CSVError("no numeric feature columns: every column besides the target holds text")
    features = list(features)
    if not features:
        raise CSVError("choose at least one feature column")
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise CSVError(f"no column named {', '.join(map(repr, missing))}")
    if target in features:
        raise CSVError(f"the target {target!r} cannot also be a feature")
    if len(features) > MAX_CSV_FEATURES:
        raise CSVError(f"{len(features):,} feature columns; at most {MAX_CSV_FEATURES:,} are supported")
    return target, features


def _check_features(df, features):
    """Every feature column holds numbers: text and booleans are refused, naming the first such column
    and one of its values."""
    import pandas as pd

    text = [c for c in features if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])]
    if text:
        raise CSVError(
            f"feature column {text[0]!r} is not numeric (e.g. {df[text[0]].dropna().iloc[0]!r}); "
            "leave it out or encode it as numbers"
        )


def _complete_rows(df, features, target, drop_missing):
    """(X float64 (n, features), raw target column) of the rows with every chosen value present.

    Missing values are refused with the count per column, or (``drop_missing``) their rows dropped; at
    least 4 complete rows must remain; infinite feature values are refused, naming the column."""
    table = df[features + [target]]
    nan_counts = table.isna().sum()
    if nan_counts.any():
        if not drop_missing:
            worst = ", ".join(f"{c!r} ({n:,})" for c, n in nan_counts[nan_counts > 0].items())
            raise CSVError(f"missing values in {worst}; fill them in, or drop those rows")
        table = table.dropna()
    if len(table) < 4:
        raise CSVError(f"only {counted(len(table), 'complete row')}; at least 4 are needed")
    X = table[features].to_numpy(dtype=float)
    if not np.isfinite(X).all():
        bad = [c for c in features if not np.isfinite(table[c].to_numpy(dtype=float)).all()]
        raise CSVError(f"column {bad[0]!r} holds infinite values")
    return X, table[target]


def _encode_target(y_raw, target, task):
    """(task, y, class names): the task ("auto" inferred by ``_infer_task``) and the target as numbers.

    Regression needs a numeric, finite target (floats, no class names); classification gets integer
    labels from ``_class_labels`` (which refuses one class, too many, or a class with a single row) and
    becomes "binary" for two classes, else "multiclass"."""
    import pandas as pd

    task = _infer_task(y_raw) if task == "auto" else task
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y_raw):
            raise CSVError(f"target {target!r} holds text, so it cannot be a regression target; choose classification")
        y = y_raw.to_numpy(dtype=float)
        if not np.isfinite(y).all():
            raise CSVError(f"target {target!r} holds infinite values")
        return task, y, None
    y, class_names = _class_labels(y_raw, target)
    return ("binary" if len(class_names) == 2 else "multiclass"), y, class_names


def _split_and_scale(name, task, X, y, test_fraction, seed, standardize, **fields):
    """The Dataset: a seeded split (stratified for classes), refused when the training set holds a single
    class; then features, and a regression target, standardised with the training set's statistics."""
    ds = _make(name, task, X, y, test_fraction, np.random.default_rng(seed), **fields)
    if task != "regression" and len(np.unique(ds.y_train)) < 2:
        raise CSVError("after the train/test split the training set holds one class; add rows of the others")
    if standardize:
        ds = _standardized(ds)
        if task == "regression":
            ds = _standardized_target(ds)
    return ds


def _class_labels(y_raw, target):
    """(labels, class names) of a classification target; CSVError for one class, more than
    MAX_CSV_CLASSES, or a class with a single row (it could not be in both the training and the test set)."""
    class_names, codes, counts = np.unique(y_raw.astype(str).to_numpy(), return_inverse=True, return_counts=True)
    if len(class_names) < 2:
        raise CSVError(f"target {target!r} has only one class ({class_names[0]!r}); a classifier needs two or more")
    if len(class_names) > MAX_CSV_CLASSES:
        raise CSVError(
            f"target {target!r} has {len(class_names):,} different values: too many classes (at most "
            f"{MAX_CSV_CLASSES:,}); an ID or free-text column cannot be learned as classes: choose another target"
        )
    single = class_names[counts < 2]
    if len(single):
        raise CSVError(
            f"target {target!r} has {counted(len(single), 'class', 'classes')} with a single row "
            f"(e.g. {single[0]!r}); each class needs at least 2 rows, one to train on and one to test: "
            "add rows, drop those, or choose another target"
        )
    return _labels(codes, len(class_names)), [str(c) for c in class_names]


def numeric_columns(df, exclude=None):
    """The columns of a DataFrame that hold numbers (booleans excluded), minus ``exclude``."""
    import pandas as pd

    return [
        c
        for c in df.columns
        if c != exclude and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]


def _infer_task(y):
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification"
    values = y.dropna().to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    integral = np.all(np.equal(np.mod(values, 1), 0))
    return "classification" if integral and len(np.unique(values)) <= MAX_CLASSES_FROM_NUMBERS else "regression"
