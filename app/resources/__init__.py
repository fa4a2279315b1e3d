"""Resources: the directory of trusted services, local services that workers add, share
packs, a parent's saved resources and what workers have shared into a parent's app."""
