"""IGRS: Integrated Grievance Redressal System."""
