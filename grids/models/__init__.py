"""grids' models, one module per responsibility: areas; generations of the grids; Party organisation,
people and their roles; departments; work units; the Party groups' duties (visits, meetings); service
stations; login attempts."""

from .areas import (  # noqa: F401
    CODE_LENGTH,
    LEVEL_BY_LENGTH,
    TOWN_CODE_REGEX,
    Area,
    AreaQuerySet,
    GridKind,
    Level,
    is_town_code,
    level_for_code,
    parent_code,
    valid_on,
    valid_on_sql,
)
from .coverage import CoveragePending, CoverageState, GridCoverage  # noqa: F401
from .departments import Department  # noqa: F401
from .duties import CommunityWeek, DueWeekChange, PartyMeeting, Visit, VisitedWeek  # noqa: F401
from .generations import DraftGrid, Generation, Succession  # noqa: F401
from .people import (  # noqa: F401
    DEPARTMENT_ROLES,
    WORK_UNIT_ROLES,
    Assignment,
    FailedLogin,
    HouseholdLink,
    PartyOrg,
    Person,
    Role,
    ServiceStation,
)
from .work_units import WorkUnit  # noqa: F401
