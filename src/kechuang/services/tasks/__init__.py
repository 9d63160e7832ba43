"""Key-task supervision (M6): plans, tasks, milestones, progress reports, alerts."""
