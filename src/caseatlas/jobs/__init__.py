"""Background work on an existing job queue (Procrastinate): `queue.py` chooses the queue for a
library (PostgreSQL: the library's own database; SQLite: in memory, worked in-process) and runs
its worker; `tasks.py` holds the tasks, each a thin call into `services`."""
