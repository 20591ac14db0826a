from govgrid.formats.common import *  # noqa: F403 - the one convention, for this language
