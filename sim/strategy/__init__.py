"""The firm's strategy: levers (price, service, media) and the loyalty programme."""

from sim.strategy.levers import Levers, schedule_interventions
from sim.strategy.loyalty import LoyaltyProgramme, build_programme

__all__ = ["Levers", "schedule_interventions", "LoyaltyProgramme", "build_programme"]
