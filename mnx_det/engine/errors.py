"""The errors the tools report as one line naming the file or value."""
from ..checkpoint_fit import CheckpointMismatchError
from ..compat import CorruptCheckpointError, UnsafeCheckpointError
from ..datasets import AnnotationError, DatasetNotFoundError, MissingImageError
from ..deploy import DeployModelError, ExportNotSupportedError
from .cli import PretrainedNotFoundError
from .non_finite_loss import NonFiniteLossError
from .schedule_scaling import ScheduleScalingError
from .work_dir_lock import WorkDirBusyError

# Bad input found before or during a run: a message, not a traceback.
USER_ERRORS = (AnnotationError, CheckpointMismatchError,
               CorruptCheckpointError, DatasetNotFoundError, DeployModelError,
               ExportNotSupportedError, FileNotFoundError, MissingImageError,
               NonFiniteLossError, PretrainedNotFoundError,
               ScheduleScalingError, UnsafeCheckpointError, WorkDirBusyError)
